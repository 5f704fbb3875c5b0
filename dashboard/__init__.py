"""Streamlit dashboard: app.py routes, pages/ render, data.py does every query on the published copy."""
