"""The client kiosk pages: hand-over, one-time code, questionnaire flow and the locked screen.

Widgets and layout only: what is due, who may submit, validation and saving are decided
by :mod:`alliance_kit.clinic.kiosk` and the services.
"""
