"""The attendance rules on the Alert settings page: one checkbox each, inside its form."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from alliance_kit.clinic.attendance_alerts import ATTENDANCE
from alliance_kit.clinic.attendance_data import policy
from alliance_kit.clinic.settings import AlertSettings
from alliance_kit.store.engine import Store
from alliance_kit.types import AttendanceRule
from alliance_kit.ui.text import plain


def checkboxes(rules: dict[str, AttendanceRule], store: Store, current: AlertSettings,
               key: str, _: Callable[[str], str] = str) -> list[str]:
    """Draw a checkbox per attendance rule; return the ones switched off
    (``attendance:<rule>``). Call it inside the page's form; ``_`` translates."""
    if not rules:
        return []
    words = _("Attendance and return (about a client, not a questionnaire)")
    st.markdown(f"**{ATTENDANCE}** · {plain(words)}")
    rules_in_force = policy(store)
    off = []
    for name, rule in rules.items():
        setting = f"{ATTENDANCE}:{name}"
        safety = rule.severity == "safety"
        on = st.checkbox(plain(f"{name} ({rule.severity}): {rule.describe(rules_in_force)}"),
                         value=safety or current.enabled(ATTENDANCE, name), disabled=safety,
                         key=f"{key}:{setting}")
        if not on and not safety:
            off.append(setting)
    return off
