"""The demo clinic's attendance: who came, who missed, who dropped out, who completed.

Every demo client gets a schedule before their sessions are stored: weekly appointments,
some missed (more often after a session with a low alliance: an SRS total at or below 36,
or a drop since the session before), a next appointment booked for most clients still
coming, and an ending for some (dropped out, more often after a weak start; completed).
The same seed gives the same schedules. Storylines the demo names by client code:
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alliance_kit.clinic import attendance
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services

ATTENDANCE_STORYLINES = {
    "missed-after-rupture": "SRS rupture, then a no-show at the next appointment (urgent alert)",
    "no-show-streak": "two no-shows in a row (warning)",
    "not-seen": "not seen for over 30 days and no appointment booked (warning)",
    "dropped-out": "the alliance fell, then the client stopped coming (episode ended: "
                   "dropped out)",
    "completed": "ORS improved; the episode ended as completed",
}
#: Which rule shows each storyline ("episode:<reason>" for an ending).
EVIDENCE = {"missed-after-rupture": "missed-after-low-alliance", "no-show-streak":
            "no-show-streak", "not-seen": "not-seen", "dropped-out": "episode:dropped-out",
            "completed": "episode:completed"}
#: Chance that the appointment after a session is missed: after a low alliance, otherwise.
MISS_AFTER_LOW, MISS_OTHERWISE = 0.3, 0.05
#: Chance that a client stays away for weeks after a session with a low alliance.
LAPSE_AFTER_LOW = 0.1
CLINIC_CANCELS = 0.03
#: Chance of dropping out for a client whose alliance starts weak (SRS at or below 36.5),
#: and for the others; chance of having completed.
DROPOUT_WEAK_START, DROPOUT_OTHERWISE, COMPLETED = 0.5, 0.15, 0.12
CUTOFF, RUPTURE = 36.0, 1.0

__doc__ += "\n".join(f"- {name}: {words}" for name, words in ATTENDANCE_STORYLINES.items())


@dataclass
class Schedule:
    """One client's appointments: attended dates (one per simulated session), the others."""

    attended: list[dt.date]
    #: (date, status, reason) of appointments that were not attended.
    other: list[tuple[dt.date, str, str | None]] = field(default_factory=list)
    booked: dt.date | None = None
    booked_time: dt.time | None = None
    end: tuple[dt.date, str] | None = None

    @property
    def first(self) -> dt.date:
        return min([self.attended[0], *(d for d, _, _ in self.other)])


def assign_fates(plans: list[dict[str, Any]], seed: int) -> None:
    """Give every plan an ``attendance`` fate: one of ATTENDANCE_STORYLINES (for clients
    without another storyline, in that order while there are enough), else ``dropout``,
    ``completed`` or ``active``. Its own random stream, so the answers do not change."""
    rng = np.random.default_rng([seed, 13])
    free = [int(i) for i in rng.permutation(len(plans)) if not plans[i]["story"]]
    fates = dict(zip(free, ATTENDANCE_STORYLINES, strict=False))
    for index in free[len(ATTENDANCE_STORYLINES):]:
        weak = plans[index]["srs_base"] <= 36.5
        u = rng.random()
        dropout = DROPOUT_WEAK_START if weak else DROPOUT_OTHERWISE
        fates[index] = ("dropout" if u < dropout else "completed" if u < dropout + COMPLETED
                        else "active")
    for index, plan in enumerate(plans):
        plan["attendance"] = fates.get(index, "active")
        if plan["attendance"] == "completed":
            plan.update(sessions=max(plan["sessions"], 8), ors_gain=max(plan["ors_gain"], 8.0))
        elif plan["attendance"] == "missed-after-rupture":
            plan.update(sessions=max(plan["sessions"], 6), dip=False)


def _low(srs: list[float], k: int) -> bool:
    return srs[k] <= CUTOFF or (k > 0 and srs[k - 1] - srs[k] >= RUPTURE)


def schedule(plan: dict[str, Any], srs: list[float], last: dt.date, today: dt.date,
             seed: int) -> Schedule:
    """When the client's sessions were, what else became of their appointments, what is
    booked and how the episode ended. May lower the last SRS total (a dropout's last
    session, the rupture storyline): ``srs`` is changed in place."""
    rng = np.random.default_rng([seed, int(plan["noise"]) % 2**32, 13])
    fate, n, week = plan["attendance"], len(srs), dt.timedelta(weeks=1)
    after: list[tuple[dt.date, str, str | None]] = []
    # The next appointment falls on the client's usual weekday: today for some of them (an
    # appointment waiting for its outcome to be recorded).
    end, booked = None, today + dt.timedelta(days=(last.weekday() - today.weekday()) % 7)
    if fate in ("dropout", "dropped-out") and (fate == "dropped-out" or rng.random() < 0.8):
        srs[-1] = min(srs[-1], srs[-2] - 2.5 if n > 1 else srs[-1], CUTOFF - 1)
    if fate == "missed-after-rupture":
        srs[-1] = srs[-2] - 4.5
    if fate in ("dropout", "dropped-out"):
        weeks = 6 if fate == "dropped-out" else int(rng.integers(3, 9))
        last = last - weeks * week
        misses = 2 if fate == "dropped-out" else int(rng.integers(1, 3))
        after = [(last + (k + 1) * week, "no-show", None) for k in range(misses)]
        booked = None
        if fate == "dropped-out" or ((today - last).days >= 35 and rng.random() < 0.6):
            end = (after[-1][0] + 2 * week, "dropped-out")
    elif fate in ("completed",):
        last = last - int(rng.integers(1, 6)) * week
        booked, end = None, (last + week, "completed")
    elif fate == "missed-after-rupture":
        after = [(last, "no-show", None)]
        last = last - week
    elif fate == "no-show-streak":
        after = [(last - week, "no-show", None), (last, "no-show", None)]
        last = last - 2 * week
        srs[-1] = max(srs[-1], min(40.0, srs[-2] + 0.2 if n > 1 else 38.0), CUTOFF + 1.5)
    elif fate == "not-seen":
        last, booked = today - dt.timedelta(days=35 + int(rng.integers(0, 7))), None
    elif rng.random() < 0.1:
        booked = None  # still coming, next appointment not booked yet
    dates, other = [last], []
    for k in range(n - 2, -1, -1):
        gap = week
        if _low(srs, k) and rng.random() < LAPSE_AFTER_LOW:
            # Stayed away for five weeks, then came back: no return within 30 days.
            other += [(dates[0] - 4 * week, "no-show", None),
                      (dates[0] - 2 * week, "cancelled-by-client", None)]
            gap += 4 * week
        elif rng.random() < (MISS_AFTER_LOW if _low(srs, k) else MISS_OTHERWISE):
            status = "no-show" if rng.random() < 0.7 else "cancelled-by-client"
            other.append((dates[0] - week, status, None))
            gap += week
        elif rng.random() < CLINIC_CANCELS:
            other.append((dates[0] - week, "cancelled-by-clinic", "therapist ill"))
            gap += week
        dates.insert(0, dates[0] - gap)
    time = dt.time(9 + int(rng.integers(0, 8)), 0) if booked else None
    return Schedule(dates, sorted(other) + after, booked, time, end)


def record(services: Services, system: Actor, client_id: int, when: Schedule,
           today: dt.date) -> None:
    """Store the appointments that were not attended, the booking and the ending, as staff
    would (after the sessions: the alert rules see each one as it is recorded)."""
    for date, status, reason in when.other:
        attendance.record_attendance(services, system, client_id, date, status, reason=reason,
                                     today=today)
    if when.booked is not None:
        attendance.record_attendance(services, system, client_id, when.booked, "scheduled",
                                     time=when.booked_time, today=today)
    if when.end is not None:
        attendance.end_episode(services, system, client_id, *when.end, today=today)


def storylines(services: Services, system: Actor, plans: list[dict[str, Any]],
               clients: dict[str, int]) -> dict[str, str]:
    """Storyline name -> client code, for the attendance storylines that happened; an
    AssertionError when one did not (the demo promises them)."""
    codes = list(clients)
    found = {}
    for index, plan in enumerate(plans):
        story = plan["attendance"]
        if story not in ATTENDANCE_STORYLINES:
            continue
        code = codes[index]
        client_id = clients[code]
        wanted = EVIDENCE[story]
        if wanted.startswith("episode:"):
            spells = attendance.client_attendance(services, system, client_id).episodes
            shown = f"episode:{spells.iloc[-1]['end_reason']}"
        else:
            alerts = services.open_alerts(system, client_id)
            shown = wanted if len(alerts) and (alerts["rule_id"] == wanted).any() else ""
        if shown != wanted:
            raise AssertionError(f"demo storyline {story} did not happen for {code}")
        found[story] = code
    return found


__all__ = ["ATTENDANCE_STORYLINES", "EVIDENCE", "Schedule", "assign_fates", "record",
           "schedule", "storylines"]
