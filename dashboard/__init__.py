"""Streamlit dashboard: app.py routes, pages/ render, queries.py (scoped by scope.py, read through store.py) does every query on the published copy."""
