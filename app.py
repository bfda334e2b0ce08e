"""MES Doctor — Overview (placeholder until the dashboard issue lands)."""

import streamlit as st

st.set_page_config(page_title="MES Doctor", page_icon="🩺", layout="wide")
st.title("MES Doctor")
st.write("Overview of MeshExternalService health.")
