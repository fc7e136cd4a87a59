"""Maintainer tools that are not part of the library (never shipped in its wheel)."""
