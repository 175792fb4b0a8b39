"""The clinic's return evidence for supervisors and admins: aggregates only, audited.

Reads every session, episode and alliance result in scope, and hands them to
:mod:`alliance_kit.engine.retention`; what comes back holds counts, rates, odds ratios and
curves, never a client's rows. Scope: a supervisor sees their team's clients (as
everywhere); an admin, and the system (CLI), the whole clinic, which is aggregate-only
data an admin may see. Groups too small to show are marked "too few".
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select

from alliance_kit.clinic.access import Actor, require_staff, visible_client_ids
from alliance_kit.clinic.attendance_data import (
    alliance_results,
    appointments,
    episodes,
    policy,
    today_or,
)
from alliance_kit.clinic.services import Services
from alliance_kit.clinic.services.base import write_audit
from alliance_kit.engine import alliance_signals, retention
from alliance_kit.engine.attendance import AttendancePolicy, episode_outcomes, returned
from alliance_kit.store.models import Client

ROLES = ("supervisor", "admin")
ASSOCIATION = ("These figures describe associations in this clinic's own records: they do "
               "not show that a low alliance causes clients to leave, and many other things "
               "differ between these sessions. A client contributes many sessions; the "
               "model's interval allows for that (cluster-robust by client).")


def evidence(services: Services, actor: Actor, *, days: int | None = None,
             today: dt.date | None = None) -> retention.Evidence:
    """Return rates by alliance result, the models and the retention curves (audited).

    ``days`` overrides the clinic's return window (settings: ``return_days``) for this view.
    """
    require_staff(actor, *ROLES)
    today = today_or(today)
    chosen = policy(services.store)
    if days is not None:
        chosen = AttendancePolicy.from_mapping({**chosen.as_dict(), "return_days": days})
    scope = None
    if actor.role == "supervisor":
        scope = select(Client.id).where(Client.id.in_(visible_client_ids(actor)))
    with services.store.read() as session:
        sessions = appointments(session, scope)
        spells = episodes(session, scope)
        results = alliance_results(session, services.kit, scope)
    found = compute(services, sessions, spells, results, chosen, today)
    write_audit(services.store, actor, "view", "retention", None, None,
                {"days": chosen.return_days, "clients": int(spells["client_id"].nunique()),
                 "sessions": int(found.groups["sessions"].sum()) if len(found.groups) else 0})
    return found


def compute(services: Services, sessions: pd.DataFrame, spells: pd.DataFrame,
            results: pd.DataFrame, chosen: AttendancePolicy,
            today: dt.date) -> retention.Evidence:
    """The evidence from tables already read (see :func:`evidence`)."""
    came_back = returned(sessions, spells, chosen, today)
    by_session = pd.Series(came_back.to_numpy(), index=sessions["session_id"].to_numpy())
    results = results.assign(returned=results["session_id"].map(by_session))
    outcomes = episode_outcomes(sessions, spells, chosen, today)
    group_rows, model_rows, curve_parts, notes = [], [], [], []
    for signal in alliance_signals.signals(services.kit.instruments.values()):
        mine = results[results["instrument_id"] == signal.instrument_id]
        group_rows += retention.groups(signal, mine)
        model = retention.logistic(mine)
        model_rows.append({"instrument": signal.instrument_id, "score": signal.score_id,
                           "odds_ratio": model.odds_ratio, "ci_low": model.ci_low,
                           "ci_high": model.ci_high, "n": model.n})
        if model.note:
            notes.append(f"{signal.label} model: {model.note}.")
        firsts = _first_results(mine, sessions)
        episodes_ = outcomes.merge(firsts, on="episode_id", how="inner")
        curve, too_few = retention.curves(signal, episodes_)
        curve_parts.append(curve)
        notes += [f"{signal.label} retention curve not drawn for {what} (fewer than "
                  f"{retention.MIN_EPISODES})." for what in too_few]
    curves = [c for c in curve_parts if len(c)]
    return retention.Evidence(
        days=chosen.return_days,
        groups=pd.DataFrame(group_rows, columns=retention.GROUP_COLUMNS),
        models=pd.DataFrame(model_rows, columns=retention.MODEL_COLUMNS),
        curves=(pd.concat(curves, ignore_index=True) if curves
                else pd.DataFrame(columns=retention.CURVE_COLUMNS)),
        notes=notes, definitions=chosen.words())


def _first_results(results: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Each episode's first result of one instrument: ``episode_id`` and ``flagged``."""
    if results.empty:
        return pd.DataFrame(columns=["episode_id", "flagged"])
    episode_of = pd.Series(sessions["episode_id"].to_numpy(),
                           index=sessions["session_id"].to_numpy())
    ordered = results.assign(episode_id=results["session_id"].map(episode_of)).sort_values(
        ["episode_id", "date", "response_id"], kind="stable")
    first = ordered.dropna(subset=["flagged"]).groupby("episode_id", as_index=False).first()
    return first[["episode_id", "flagged"]]


def group_words(services: Services, instrument_id: str, group: str) -> str:
    """A group as people read it ('SRS total ≤ 36', 'SRS rupture')."""
    signal = alliance_signals.signal_of(services.kit.instrument(instrument_id))
    return signal.group_words(group) if signal else group


__all__ = ["ASSOCIATION", "ROLES", "compute", "evidence", "group_words"]
