"""Airflow's DAG bundle puts the DAG folder on sys.path (the DAGs import dags/dag_defaults.py); so do the tests."""

from __future__ import annotations

import sys
from pathlib import Path

DAGS = str(Path(__file__).resolve().parents[2] / "dags")
if DAGS not in sys.path:
    sys.path.append(DAGS)
