"""Connection and cache: the dashboard's only way to read the published read-only copy.

Queries run through `query`, keyed on the published file's identity (inode, mtime, size): the
publish is an atomic file swap, and each query that misses the cache opens a fresh read-only
connection, so a build in progress never shows half-built data. `per_viewer` caches whole
viewer-scoped answers, `per_publish` answers that are the same for everyone, `derived` what a page
computes from them (e.g. a rolling rate) and `chart_spec` the Vega-Lite spec of a chart (see
`dashboard.queries`).

The caches live in this process (bounded, least recently used first out; a new publish changes
every key, and the entries of the previous version are dropped when it is first seen). A hit costs
a dictionary look-up and a copy of the answer, so a caller may modify what it gets without
touching the cache: Streamlit's `st.cache_data` hashes every argument and unpickles every answer,
which cost 1–2 ms a call, and a page asks hundreds of times per rerun.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dashboard.viewer import Viewer
from udbredelse import warehouse
from udbredelse.settings import Settings, get_settings

_settings_memo: dict[tuple[Any, ...], Settings] = {}


def settings() -> Settings:
    """The settings, read from the environment at call time (never at import time).

    Memoised on the UDBREDELSE_* environment and working directory: building Settings costs ~15 ms,
    and a page asks many times per run.
    """
    environ = getattr(os.environ, "_data", None)  # CPython: the encoded environment, read without decoding it all
    if isinstance(environ, dict):
        found_env = sorted((k, v) for k, v in environ.items() if isinstance(k, bytes) and k.startswith(b"UDBREDELSE_"))
    else:
        found_env = sorted((k, v) for k, v in os.environ.items() if k.startswith("UDBREDELSE_"))
    key = (os.getcwd(), *found_env)
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


class _Cache:
    """A bounded, thread-safe LRU of answers keyed on (published file, version, ...).

    A key whose published file shows a new version drops the entries of the file's older versions.
    Exceptions (e.g. `AccessDenied`) are never cached: the scope is enforced again on the next call.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._versions: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        published, version = key[0], key[1]
        with self._lock:
            if self._versions.get(published) != version:
                self._versions[published] = version
                for old in [k for k in self._data if k[0] == published and k[1] != version]:
                    del self._data[old]
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._versions.clear()


_QUERIES = _Cache(512)
_ANSWERS = _Cache(2048)
_DERIVED = _Cache(1024)


def detached(value: Any) -> Any:
    """A copy of a cached answer that the caller may modify (frames, series, arrays, containers)."""
    if isinstance(value, pd.DataFrame | pd.Series | np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: detached(v) for k, v in value.items()}
    if isinstance(value, list):
        return [detached(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(detached(v) for v in value)
    return value


def _freeze(value: Any) -> Any:
    """A hashable stand-in for an argument (lists → tuples); raises TypeError for what cannot be a key."""
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_freeze(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _freeze(v)) for k, v in value.items())))
    if isinstance(value, set | frozenset):
        return ("set", frozenset(_freeze(v) for v in value))
    hash(value)
    return value


def _read(published: str, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    s = get_settings(home=Path(published).parent.parent)
    con = warehouse.connect_published(s)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def cached_query(published: str, version: str, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    """The cached answer itself (not a copy): only for readers in this module that do not modify it."""
    return _QUERIES.get((published, version, sql, params), lambda: _read(published, sql, params))


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

def _cached(func: Any, key_head: tuple[Any, ...], args: tuple[Any, ...], kwargs: dict[str, Any],
            call: Callable[[], Any]) -> Any:
    path = settings().published_path
    version = _version(path)
    if version == "missing":
        return call()
    try:
        key = (str(path), version, func.__module__, func.__qualname__, *key_head, _freeze(args), _freeze(kwargs))
    except TypeError:  # an argument that cannot be a key: answer without the cache
        return call()
    return detached(_ANSWERS.get(key, call))


def per_viewer(func: Any) -> Any:
    """Cache a viewer-scoped answer, keyed on the function, the viewer and the published file's identity.

    The wrapped function still enforces the scope on every miss, and the viewer is part of the key,
    so a cached answer is only ever returned to the same viewer. A new publish changes the key.
    """

    @functools.wraps(func)
    def wrapper(viewer: Viewer, *args: Any, **kwargs: Any) -> Any:
        return _cached(func, ("viewer", viewer), args, kwargs, lambda: func(viewer, *args, **kwargs))

    return wrapper


def per_publish(func: Any) -> Any:
    """Cache an answer that is the same for every viewer (e.g. indicator labels), keyed on the published file."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _cached(func, ("publish",), args, kwargs, lambda: func(*args, **kwargs))

    return wrapper


def _digest(value: Any) -> Any:
    """A key for a builder's argument: frames by their content (columns, and each column's values with its
    dtype, pickled: several times cheaper than `pd.util.hash_pandas_object` for a page's small frames; the
    index is not part of it). Equal values held differently at most miss the cache; other content never
    shares a key."""
    if isinstance(value, pd.DataFrame | pd.Series):
        h = hashlib.blake2b(digest_size=16)
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        h.update(pickle.dumps((type(value).__name__, list(frame.columns), frame.shape), protocol=5))
        for _, column in frame.items():
            h.update(pickle.dumps(column.array, protocol=5))
        return ("frame", h.hexdigest())
    return _freeze(value)


def _input_key(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
               *extra: Any) -> tuple[Any, ...]:
    path = settings().published_path
    code = getattr(func, "__code__", None)  # a page's local builders share a module name: the place tells them apart
    where = (code.co_filename, code.co_firstlineno) if code is not None else ()
    return (str(path), _version(path), func.__module__, func.__qualname__, where, *extra,
            tuple(_digest(a) for a in args), tuple(sorted((k, _digest(v)) for k, v in kwargs.items())))


def derived(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`func(*args, **kwargs)` for a pure function of data read from the published copy (e.g.
    `trends.rolling_rate` of a series), cached on the function, the published version and the arguments
    (frames by content); the caller gets its own copy."""
    try:
        key = _input_key(func, args, kwargs)
    except TypeError:
        return func(*args, **kwargs)
    return detached(_DERIVED.get(key, lambda: func(*args, **kwargs)))


def chart_spec(builder: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Vega-Lite spec (a dict for `st.vega_lite_chart`) of `builder(*args, **kwargs)`, an Altair chart.

    Building an Altair chart and turning it into a spec costs 10–60 ms; a page with a dozen trend and
    run charts paid that on every rerun. The spec is cached like `derived` (builder, published version,
    arguments by content), so the same data gives the same chart without building it again. Schema
    validation (tests: DASHBOARD_VALIDATE_CHARTS=1) is part of the key.
    """
    validate = os.environ.get("DASHBOARD_VALIDATE_CHARTS") == "1"

    def build() -> dict[str, Any]:
        spec = builder(*args, **kwargs).to_dict(validate=validate)
        # Streamlit turns each inline dataset into Arrow bytes on every render unless it already is bytes;
        # do it once here, with Streamlit's own conversion, so the cached spec renders without it.
        from streamlit import dataframe_util

        datasets = spec.get("datasets")
        if isinstance(datasets, dict):
            spec["datasets"] = {name: dataframe_util.convert_anything_to_arrow_bytes(values)
                                if isinstance(values, list) else values for name, values in datasets.items()}
        return spec

    try:
        key = _input_key(builder, args, kwargs, validate)
    except TypeError:
        return build()
    return dict(_DERIVED.get(key, build))  # st.vega_lite_chart copies the top level before changing it


def clear_caches() -> None:
    """Forget every cached query and answer (tests; the cache keys change on a new publish anyway)."""
    _QUERIES.clear()
    _ANSWERS.clear()
    _DERIVED.clear()
