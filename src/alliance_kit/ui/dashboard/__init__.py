"""The therapist dashboard: the caseload, one client's page, and acknowledging alerts.

Pages draw only: what they show comes from :mod:`alliance_kit.clinic.services`,
:mod:`alliance_kit.clinic.dashboard` and :mod:`alliance_kit.clinic.charts`, which plain
pytest covers.
"""
