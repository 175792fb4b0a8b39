"""Helpers for instrument and plugin authors: scaffolds and the generated instrument catalogue."""
