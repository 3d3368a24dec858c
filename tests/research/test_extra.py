"""Research CLIs without the research extra: one line naming the extra, never a traceback."""

from __future__ import annotations

import builtins

import pytest

from trim_desktop.cli import evaluate, extract_dataset, train
from trim_desktop.research.extra import INSTALL


@pytest.fixture
def no_research_packages(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.split(".")[0] in ("scipy", "h5py"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr("importlib.import_module", lambda name, *a: fake_import(name))


@pytest.mark.parametrize(
    "cli, argv, tool",
    [
        (evaluate, ["features.h5"], "trim-eval"),
        (train, ["features.h5", "-o", "m.pt"], "trim-train"),
        (
            extract_dataset,
            ["videos", "--dataset", "tvsum", "--template", "features.h5", "-o", "out.h5"],
            "trim-extract-dataset",
        ),
    ],
)
def test_missing_extra_is_one_clear_line(
    cli, argv, tool, tmp_path, monkeypatch, capsys, no_research_packages
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "features.h5").write_bytes(b"\x89HDF\r\n")
    (tmp_path / "videos").mkdir()
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert tool in err and INSTALL in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
