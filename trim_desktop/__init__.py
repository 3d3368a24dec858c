"""TRIM Desktop: turn a long video into a short summary with TRIM (self-supervised)."""

# The one place the version is written (pyproject, bundles, --version read it).
__version__ = "0.1.0"
