"""Alert rules an admin switched off are not raised; safety rules always are."""

import pytest

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import Actor

SYSTEM = Actor.system()


def srs(total_per_item: float) -> dict:
    return {str(i): total_per_item for i in range(1, 5)}


def test_switched_off_rule_is_not_raised_but_others_are(services, store, kit):
    therapist = services.add_user(SYSTEM, "ana", "therapist")
    client = services.add_client(SYSTEM, "C1", therapist_ids=[therapist])
    settings.set_alert_settings(store, SYSTEM, kit,
                                settings.AlertSettings(frozenset({"srs:item-low"})))
    saved = services.submit_response(SYSTEM, client_id=client, instrument_id="srs",
                                     answers=srs(8), idempotency_key="k1")
    # Total 32: the concern cut-off (<= 36) fires; every item is below 9, but that rule is off.
    assert [a["rule_id"] for a in saved.alerts] == ["concern"]


def test_safety_rules_cannot_be_switched_off(store, kit):
    with pytest.raises(ValueError, match="safety alerts cannot be switched off"):
        settings.set_alert_settings(store, SYSTEM, kit,
                                    settings.AlertSettings(frozenset({"phq-9:self-harm"})))
