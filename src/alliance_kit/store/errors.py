"""The storage layer's one error type (re-exported by :mod:`alliance_kit.store`)."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The database cannot be used as it is; the message says why and what to do."""


class AuditKeyError(StoreError):
    """The audit key cannot be had; the message says where it was looked for and what to do."""
