"""The TRIM pipeline. Imports no Qt: every stage is a plain function with progress and cancel."""
