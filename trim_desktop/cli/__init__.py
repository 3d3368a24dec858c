"""Command-line tools: thin wrappers over trim_desktop.core."""
