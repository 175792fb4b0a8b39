"""Streamlit pages: widgets and layout only; every decision is made by the library."""
