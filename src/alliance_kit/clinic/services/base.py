"""What every part of the services shares: the database, the kit, and the audit entry a read
leaves behind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alliance_kit.clinic.access import Actor
from alliance_kit.kit import Kit
from alliance_kit.store import audit
from alliance_kit.store.engine import Store


class ServiceBase:
    """Client data operations for one database and one kit."""

    def __init__(self, store: Store, kit: Kit):
        self.store = store
        self.kit = kit



def write_audit(store: Store, actor: Actor, action: str, entity: str, entity_id: Any = None,
                client_id: int | None = None, details: Mapping[str, Any] | None = None) -> None:
    """One audit entry in a transaction of its own (reads are audited after they ran)."""
    store.write(lambda session: audit.append(
        session, actor=actor.label, action=action, entity=entity, entity_id=entity_id,
        client_id=client_id, details=details))
