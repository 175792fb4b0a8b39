"""The therapist dashboard: the caseload, one client's page, and acknowledging alerts.

Pages draw only: what they show comes from :mod:`alliance_kit.services`,
:mod:`alliance_kit.dashboard_data` and :mod:`alliance_kit.charts`, which plain pytest covers.
"""
