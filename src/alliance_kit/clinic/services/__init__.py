"""The service layer: the one way the app and the CLI read and write client data.

Every method takes the acting :class:`~alliance_kit.clinic.access.Actor`, checks access in
:mod:`alliance_kit.clinic.access`, does its work in one transaction, and writes an audit
entry in that same transaction (reads of client data included). :class:`Services` is made
of three parts, one module each: :mod:`~alliance_kit.clinic.services.submitting`,
:mod:`~alliance_kit.clinic.services.reading` and
:mod:`~alliance_kit.clinic.services.administration`.
"""

from __future__ import annotations

from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.clinic.services.administration import Administration
from alliance_kit.clinic.services.reading import Reading
from alliance_kit.clinic.services.recovery import Recovery
from alliance_kit.clinic.services.submitting import IdempotencyConflict, Submitted, Submitting


class Services(Submitting, Reading, Administration, Recovery):
    """Client data operations for one database and one kit."""


__all__ = ["AccessDenied", "Actor", "IdempotencyConflict", "Services", "Submitted"]
