"""The instrument browser page (written next)."""


def render(kit) -> None:
    import streamlit as st

    st.title("Instruments")
