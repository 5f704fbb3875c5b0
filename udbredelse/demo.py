"""`udbredelse demo`: generate S-scale demo data into the inbox, ingest, build, and say where to look."""

from __future__ import annotations

from udbredelse import pipeline
from udbredelse.settings import Settings, SettingsError


def run_demo(settings: Settings, seed: int = 42) -> int:
    from udbredelse.generate import generate

    if not settings.is_demo:
        raise SettingsError("`udbredelse demo` kører kun i demotilstand (UDBREDELSE_MODE=demo).")
    settings.ensure_dirs()
    generated = generate(scale="S", out=settings.inbox_dir, seed=seed, settings=settings)
    print(f"Demodata: {generated['files']} filer genereret i {settings.inbox_dir}")
    ingested = pipeline.ingest(settings)
    print(f"Indlæst: {ingested['files']} filer {ingested['by_status']}")
    built = pipeline.build(settings)
    print(f"dbt build: {built['dbt'].get('summary', built['dbt'])}")
    print(f"Datakvalitet: {built['quality'].get('summary', '')}")
    print()
    print("Her kan du kigge:")
    print(f"  Datavarehus (DuckDB):   {settings.warehouse_path}")
    print(f"  Publiceret kopi:        {settings.published_path}")
    print(f"  Valideringsrapporter:   {settings.reports_dir}")
    print(f"  Data Docs:              {settings.quality_dir / 'data_docs' / 'index.html'}")
    print("  Indikatorer som CSV:    uv run udbredelse export indicators --out indikatorer.csv")
    print("  Dashboard:              uv run udbredelse dashboard")
    return 0
