"""The package version, which is also the scoring engine version stored with every score."""

__version__ = "0.1.0"
