"""The `udbredelse` command line (see README "Command line"). Thin: parses arguments, calls udbredelse.pipeline."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from udbredelse.settings import SettingsError, get_settings


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def cmd_demo(args: argparse.Namespace) -> int:
    from udbredelse.demo import run_demo

    return run_demo(get_settings(), seed=args.seed)


def cmd_generate(args: argparse.Namespace) -> int:
    from udbredelse.generate import generate

    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    summary = generate(scale=args.scale, out=Path(args.out), seed=args.seed, settings=get_settings(), as_of=as_of)
    _print_json(summary)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from udbredelse import pipeline

    report = pipeline.validate(get_settings(), Path(args.file), kommune=args.kommune)
    if args.json:
        _print_json(report.to_json())
    else:
        print(report.to_text())
    return 0 if report.rows_rejected == 0 and report.status != "rejected" else 1


def cmd_ingest(args: argparse.Namespace) -> int:
    from udbredelse import pipeline

    if args.confirm:
        from udbredelse.ingest.held import HeldError

        try:
            summary = pipeline.confirm_held(get_settings(), args.confirm, by="operator (udbredelse ingest --confirm)")
        except HeldError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    elif args.file:
        summary = pipeline.ingest_one(get_settings(), Path(args.file), kommune=args.kommune,
                                      confirm_wipe=args.confirm_wipe)
    else:
        summary = pipeline.ingest(get_settings(), inbox=Path(args.inbox) if args.inbox else None,
                                  kommune=args.kommune)
    from udbredelse.ingest import echo_name

    for result in summary["results"]:  # every field echoed: a file name cannot forge a line or show a CPR
        fields = {k: echo_name(str(result.get(k) or "-")) for k in ("status", "file_type", "kommunekode", "indsats")}
        print(f"{fields['status']:<9} {fields['file_type']:<13} {fields['kommunekode']:<4} "
              f"{fields['indsats']:<6} rækker {result['rows_accepted']}/{result['rows_read']}  "
              f"{echo_name(str(result['name']))}")
    print(f"{summary['files']} fil(er) behandlet: {summary['by_status']}")
    for result in summary["results"]:
        if result["status"] == "held":
            print(f"Afventer bekræftelse: {result['name']} ville fjerne {result.get('vanishing')} forløb. Se rapporten "
                  f"reports/{result['file_id']}.json; bekræft med: udbredelse ingest --confirm {result['file_id']}")
    failed = summary["by_status"].get("failed", 0)
    if failed:
        print(f"{failed} fil(er) kunne ikke gemmes (fx pladsmangel) og ligger stadig i indbakken. Kør igen, "
              "når fejlen er rettet.", file=sys.stderr)
        return 1
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from udbredelse import pipeline

    summary = pipeline.build(get_settings(), full=args.full)
    _print_json({"dbt": summary["dbt"], "quality": {k: v for k, v in summary["quality"].items() if k != "details"}})
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from udbredelse import pipeline

    settings = get_settings()
    if args.what == "indicators":
        result = pipeline.export_indicators(settings, Path(args.out), audience=args.audience)
    elif args.what == "cohort":
        result = pipeline.export_cohort(settings, Path(args.out))
    elif args.what == "quality":
        result = pipeline.export_quality(settings, Path(args.out))
    elif args.what == "report":
        result = pipeline.export_management_report(settings, Path(args.out), kommune=args.kommune)
    else:  # pragma: no cover - argparse restricts the choices
        raise SystemExit(2)
    _print_json(result)
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from importlib.util import find_spec

    from streamlit.web import cli as stcli

    spec = find_spec("dashboard")  # by name: the core package never imports the dashboard
    if spec is None or spec.origin is None:
        print("Dashboardet er ikke installeret (pakken 'dashboard' mangler).", file=sys.stderr)
        return 2
    get_settings().check()  # production: no start without the platform's keys
    app = Path(spec.origin).parent / "app.py"
    # Loopback unless told otherwise (--address, or STREAMLIT_SERVER_ADDRESS as in the container).
    address = args.address or os.environ.get("STREAMLIT_SERVER_ADDRESS") or "127.0.0.1"
    argv = ["streamlit", "run", str(app), "--server.headless=true", f"--server.address={address}",
            # a product: no Streamlit menu or "Deploy" button (English; see dashboard/chrome.py), no usage statistics
            "--client.toolbarMode=minimal", "--browser.gatherUsageStats=false"]
    if "STREAMLIT_SERVER_PORT" not in os.environ and args.port:
        argv.append(f"--server.port={args.port}")
    sys.argv = argv
    # The app routes with st.navigation, so dashboard/pages/ is not a pages directory. Streamlit only learns
    # that once a run has called st.navigation: until then a fresh server runs a requested page file on its
    # own (a deep link as the first request after a start got Streamlit's file-name menu and no login).
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    from udbredelse import worker

    # the embedded default: a worker process ingests and refreshes what is uploaded (off under Airflow)
    background = worker.start() if args.worker and worker.enabled() else None
    try:
        return int(stcli.main() or 0)
    finally:
        if background is not None:
            worker.stop(background)


def cmd_bench(args: argparse.Namespace) -> int:
    from udbredelse.bench import run_bench, run_pages_bench

    if args.only == "pages":
        if not args.home:
            print("Fejl: --only pages kræver --home med en datamappe, der har en publiceret kopi.", file=sys.stderr)
            return 2
        result = run_pages_bench(Path(args.home), runs=args.runs)
    else:
        result = run_bench(scale=args.scale, keep=args.keep, skip=tuple(args.skip or ()), dashboard_runs=args.runs)
    if args.json:
        _print_json(result)
    else:
        for key, value in result.items():
            print(f"{key:<22} {value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="udbredelse", description="Monitorering af sociale indsatser i udbredelsesfasen")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="generér demodata, kør hele pipelinen og vis hvor resultaterne ligger")
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("generate", help="syntetiske filer i en navngiven skala")
    p.add_argument("--scale", choices=["S", "M", "L"], default="S")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--as-of", dest="as_of", help="dato (ÅÅÅÅ-MM-DD) data genereres frem til; standard: i dag")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("validate", help="tjek en fil uden at gemme noget (tørkørsel)")
    p.add_argument("file")
    p.add_argument("--kommune")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("ingest", help="indlæs alle filer i indbakken")
    p.add_argument("--inbox")
    p.add_argument("--kommune")
    p.add_argument("--file", help="indlæs én bestemt fil (fx efter rettelse)")
    p.add_argument("--confirm-wipe", action="store_true",
                   help="med --file: bekræft et øjebliksbillede, der får forløb til at forsvinde")
    p.add_argument("--confirm", metavar="FILE_ID",
                   help="bekræft og indlæs en fil, der afventer bekræftelse (forløb ville forsvinde); id fra rapporten")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("build", help="dbt build og datakvalitetstjek")
    p.add_argument("--full", action="store_true",
                   help="genberegn alt (ellers kun de indsatser, der har fået nye filer, når det er sikkert)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("export", help="eksport af indikatorer, kohorte, datakvalitet eller ledelsesrapport")
    p.add_argument("what", choices=["indicators", "cohort", "quality", "report"])
    p.add_argument("--out", required=True)
    p.add_argument("--audience", choices=["analyst", "public"], default="analyst")
    p.add_argument("--kommune", help="for 'report': kommunekode")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("dashboard", help="start Streamlit-appen")
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--no-worker", dest="worker", action="store_false",
                   help="start ikke den indbyggede worker (under Airflow indlæser DAG'en; også UDBREDELSE_WORKER=0)")
    p.add_argument("--address", default=None,
                   help="adressen der lyttes på (standard 127.0.0.1, eller STREAMLIT_SERVER_ADDRESS)")
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser("bench", help="mål ydeevne i en given skala")
    p.add_argument("--scale", choices=["S", "M", "L"], default="S")
    p.add_argument("--json", action="store_true")
    p.add_argument("--keep", action="store_true", help="behold den genererede datamappe")
    from udbredelse.bench import BENCH_PARTS

    p.add_argument("--skip", action="append", choices=BENCH_PARTS,
                   help="spring en valgfri måling over (kan gentages); diskretioneringsrevisionen måles til sidst")
    p.add_argument("--only", choices=["pages"],
                   help="mål kun dashboardets sider mod en eksisterende datamappe (--home), fx en beholdt med --keep")
    p.add_argument("--home", help="datamappe med en publiceret kopi (til --only pages)")
    p.add_argument("--runs", type=int, default=5, help="gengivelser pr. side efter opvarmningen (standard 5)")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"Fejl i opsætningen: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
