# Build TRIM Desktop for Windows x64: dist\TRIM-Desktop\ (one folder) and the Inno Setup installer.
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build_windows.ps1 [-SkipInstaller]
# Needs: Python 3.11 x64 venv in .venv with the project installed:
#   py -3.11 -m venv .venv; .venv\Scripts\pip install -e ".[gui,research,package]" pyinstaller-hooks-contrib pillow
# PyPI's torch for Windows is the CPU build, so no CUDA libraries are bundled (TRIM_VARIANT=cpu).
# Inno Setup 6 (iscc.exe) for the installer: https://jrsoftware.org/isinfo.php
param([switch]$SkipInstaller)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
$Root = (Get-Location).Path
$Py = Join-Path $Root ".venv\Scripts\python.exe"
if (-not (Test-Path $Py)) { throw "no venv at .venv (see the header of this script)" }
& $Py -c "import PyInstaller" ; if ($LASTEXITCODE -ne 0) { throw "PyInstaller is not installed in .venv" }

$Version = & $Py -c "import sys; sys.path.insert(0, 'packaging'); import bundle_meta; print(bundle_meta.version())"
New-Item -ItemType Directory -Force -Path build\pyinstaller, dist | Out-Null
& $Py packaging\make_icon.py --ico build\icon.ico
if ($LASTEXITCODE -ne 0) { throw "make_icon.py failed" }

$Info = @{ version = $Version; variant = "cpu"; built = (Get-Date).ToUniversalTime().ToString("s") + "Z"; platform = "windows-x64" }
$Info | ConvertTo-Json | Set-Content -Encoding UTF8 build\pyinstaller\build_info.json
$env:TRIM_VARIANT = "cpu"
$env:TRIM_BUILD_INFO = Join-Path $Root "build\pyinstaller\build_info.json"

& $Py -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build\pyinstaller packaging\trim_desktop.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

# smoke: the console executable runs the checks (the GUI one has no console)
$env:QT_QPA_PLATFORM = "offscreen"
& dist\TRIM-Desktop\trim-summarize.exe --self-check
if ($LASTEXITCODE -ne 0) { throw "bundle self-check failed" }
& dist\TRIM-Desktop\trim-summarize.exe --smoke
if ($LASTEXITCODE -ne 0) { throw "bundle GUI smoke test failed" }
& dist\TRIM-Desktop\trim-summarize.exe dist\TRIM-Desktop\_internal\resources\sample.mp4 -o build\smoke-summary.mp4 --force --quiet
if ($LASTEXITCODE -ne 0) { throw "bundle CLI smoke test failed" }
Remove-Item Env:QT_QPA_PLATFORM

if (-not $SkipInstaller) {
  $Iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
  if (-not $Iscc) { $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
  if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 (ISCC.exe) not found" }
  & $Iscc "/DAppVersion=$Version" packaging\windows\trim-desktop.iss
  if ($LASTEXITCODE -ne 0) { throw "iscc failed" }
  Get-ChildItem dist\TRIM-Desktop-*-setup.exe | ForEach-Object { "{0}  {1:N1} MiB" -f $_.Name, ($_.Length / 1MB) }
}
