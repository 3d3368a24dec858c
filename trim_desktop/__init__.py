"""TRIM Desktop: turn a long video into a short summary with TRIM (self-supervised)."""

__version__ = "0.1.0"
