"""Connection and cache: the dashboard's only way to read the published read-only copy.

Queries run through `query`, cached with `st.cache_data(ttl=...)` and keyed on the published
file's identity (inode, mtime, size): the publish is an atomic file swap, and each cached query
opens a fresh read-only connection, so a build in progress never shows half-built data.
`per_viewer` caches whole viewer-scoped answers (see `dashboard.queries`).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.viewer import Viewer
from udbredelse import warehouse
from udbredelse.settings import Settings, get_settings

CACHE_TTL_S = 300

_settings_memo: dict[tuple[str, ...], Settings] = {}


def settings() -> Settings:
    """The settings, read from the environment at call time (never at import time).

    Memoised on the UDBREDELSE_* environment and working directory: building Settings costs ~15 ms,
    and a page asks many times per run.
    """
    key = (os.getcwd(), *sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("UDBREDELSE_")))
    found = _settings_memo.get(key)
    if found is None:
        if len(_settings_memo) > 32:
            _settings_memo.clear()
        found = _settings_memo[key] = get_settings()
    return found


def _version(published: Path) -> str:
    """Identity of the published file; the atomic swap gives a new inode, so the cache key changes."""
    try:
        stat = published.stat()
    except FileNotFoundError:
        return "missing"
    return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=512)
def cached_query(published: str, version: str, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    s = get_settings(home=Path(published).parent.parent)
    con = warehouse.connect_published(s)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def query(sql: str, params: tuple[Any, ...] = (), columns: list[str] | None = None) -> pd.DataFrame:
    """The answer of `sql` on the published copy; without a published copy, an empty frame with `columns`."""
    s = settings()
    path = s.published_path
    version = _version(path)
    if version == "missing":
        return pd.DataFrame(columns=columns or [])
    # Copy so that callers may modify the frame without corrupting the cache.
    return cached_query(str(path), version, sql, tuple(params)).copy()


def published_available() -> bool:
    return settings().published_path.exists()


def published_at() -> pd.Timestamp | None:
    path = settings().published_path
    if not path.exists():
        return None
    return pd.Timestamp(path.stat().st_mtime, unit="s", tz="UTC").tz_convert("Europe/Copenhagen")


@functools.lru_cache(maxsize=8)
def _schema_map(published: str, version: str) -> dict[tuple[str, str], list[str]]:
    frame = cached_query(
        published, version,
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('raw', 'catalog', 'marts') order by table_schema, table_name, ordinal_position",
        (),
    )
    found: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in frame.itertuples(index=False):
        found.setdefault((schema, table), []).append(column)
    return found


def columns(schema: str, table: str) -> list[str]:
    """The columns of a published table (one cached query per published version for all tables)."""
    path = settings().published_path
    version = _version(path)
    if version == "missing":
        return []
    return list(_schema_map(str(path), version).get((schema, table), []))


def has_table(schema: str, table: str) -> bool:
    """Whether the published copy has the table (catalog tables an older build may lack; not for contracted marts)."""
    return bool(columns(schema, table))


def existing_columns(schema: str, table: str, wanted: list[str]) -> list[str]:
    """The wanted columns the table actually has (tables without an enforced contract)."""
    have = set(columns(schema, table))
    return [c for c in wanted if c in have]


def quote_names(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


# ---- result cache: whole answers per viewer and published version ---------------------------

_REGISTRY: dict[str, Any] = {}


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=2048)
def cached_call(name: str, published: str, version: str, viewer: Viewer, args: tuple[Any, ...],
                kwargs: tuple[tuple[str, Any], ...]) -> Any:
    return _REGISTRY[name](viewer, *args, **dict(kwargs))


def per_viewer(func: Any) -> Any:
    """Cache a viewer-scoped answer, keyed on the function, the viewer and the published file's identity.

    The wrapped function still enforces the scope on every miss, and the viewer is part of the key,
    so a cached answer is only ever returned to the same viewer. A new publish changes the key.
    """
    _REGISTRY[func.__name__] = func

    @functools.wraps(func)
    def wrapper(viewer: Viewer, *args: Any, **kwargs: Any) -> Any:
        path = settings().published_path
        version = _version(path)
        if version == "missing":
            return func(viewer, *args, **kwargs)
        return cached_call(func.__name__, str(path), version, viewer, args, tuple(sorted(kwargs.items())))

    return wrapper


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=256)
def cached_published_call(name: str, published: str, version: str, args: tuple[Any, ...],
                          kwargs: tuple[tuple[str, Any], ...]) -> Any:
    return _REGISTRY[name](*args, **dict(kwargs))


def per_publish(func: Any) -> Any:
    """Cache an answer that is the same for every viewer (e.g. indicator labels), keyed on the published file."""
    _REGISTRY[func.__name__] = func

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        path = settings().published_path
        version = _version(path)
        if version == "missing":
            return func(*args, **kwargs)
        return cached_published_call(func.__name__, str(path), version, args, tuple(sorted(kwargs.items())))

    return wrapper


def clear_caches() -> None:
    """Forget every cached query and answer (tests; the cache keys change on a new publish anyway)."""
    cached_query.clear()
    cached_call.clear()
    cached_published_call.clear()
