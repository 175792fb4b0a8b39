"""The engine: instrument definitions, their checks, scoring, alerts, change and psychometrics.

Pure computation on definitions and tables of answers. It imports neither the database
(:mod:`alliance_kit.store`), the clinic's services, the interop formats, the CLI nor
Streamlit (a test keeps it so), and it never loads plugins itself: callers hand it the
registered types (:class:`alliance_kit.types.Types`).
"""
