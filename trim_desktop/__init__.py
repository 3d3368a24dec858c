"""TRIM Desktop: turn a long video into a short summary with TRIM (self-supervised)."""

__version__ = (
    "0.1.0"  # the one place the version is written (pyproject, bundles, --version read it)
)
