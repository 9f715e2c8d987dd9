"""Fresh data on the user's machine: Epoch's current files, checked, built into a cached snapshot.

:func:`refresh` downloads Epoch AI's notable-models and benchmarked-models CSVs (the
published addresses :data:`NOTABLE_URL` and :data:`BENCHMARKS_URL`, or any others),
checks each one against the columns the build reads, runs the same model and ECI steps
as ``fixtures/build.py`` (:mod:`rankings.data.epoch.rows`) and puts the result in the
cache (:mod:`rankings.data.snapshots`) as one snapshot a lens can select. Everything is
written into a temporary folder beside the cache's snapshots and renamed into place at
the end: a failed download or check raises :class:`~rankings.errors.RefreshError` and
leaves the cache, and the packaged fixtures, as they were.

:func:`snapshot_list` describes every snapshot a lens can read, packaged and cached.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import http.client
import json
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rankings.data.lenses import SNAPSHOTS
from rankings.data.records import _cached_eci, _snapshot_end, _snapshot_models
from rankings.data.snapshots import LABEL_PATTERN, META_FILE, cache_dir, cached_snapshots, read_meta, snapshots_dir
from rankings.errors import RefreshError, shown

NOTABLE_URL = "https://epoch.ai/data/notable_ai_models.csv"
"""Epoch AI's notable-models table, updated daily (CC BY 4.0; epoch.ai/data/notable-ai-models)."""
BENCHMARKS_URL = "https://epoch.ai/data/benchmarked_models.csv"
"""Epoch AI's benchmarked models with their ECI and its 90% interval (CC BY 4.0; epoch.ai/benchmarks)."""

FILE_NAMES: dict[str, str] = {"notable": "notable_ai_models.csv", "benchmarks": "benchmarked_models.csv"}
"""The name of each download, under a ``--source`` address and in a snapshot's ``raw/`` folder."""
WHAT: dict[str, str] = {"notable": "notable models", "benchmarks": "benchmarked models"}

Progress = Callable[[str, int, "int | None"], None]
"""Called as bytes arrive: (what, bytes so far, total bytes or None when the server did not say)."""

_CHUNK = 1 << 16


def source_urls(source: str | None = None, *, notable: str | None = None,
                benchmarks: str | None = None) -> dict[str, str]:
    """The two addresses read: Epoch's, or ``FILE_NAMES`` under ``source``, each overridden when given."""
    if source:
        base = source if source.endswith("/") else source + "/"
        urls = {key: base + name for key, name in FILE_NAMES.items()}
    else:
        urls = {"notable": NOTABLE_URL, "benchmarks": BENCHMARKS_URL}
    if notable:
        urls["notable"] = notable
    if benchmarks:
        urls["benchmarks"] = benchmarks
    return urls


def _download(url: str, dest: Path, key: str, progress: Progress | None, timeout: float) -> dict[str, Any]:
    what = WHAT[key]
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "rankings (data refresh)",
                                                       "Accept": "text/csv, */*"})
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - http(s) or file addresses the user gave
    except urllib.error.HTTPError as exc:
        raise RefreshError(f"{what} from {url}: the server must answer 200 OK (got HTTP {exc.code} {exc.reason})") from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise RefreshError(f"{what} from {url}: the address must be reachable (got {reason})") from None
    digest = hashlib.sha256()
    received = 0
    with response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        content_type = response.headers.get_content_type() if response.headers else ""
        if content_type in ("text/html", "application/xhtml+xml"):
            raise RefreshError(f"{what} from {url}: must be a CSV file (got an HTML page, Content-Type {content_type})")
        try:
            with dest.open("wb") as handle:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    handle.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    if progress is not None:
                        progress(what, received, total)
        except http.client.IncompleteRead as exc:
            received += len(exc.partial)
            raise RefreshError(f"{what} from {url}: must arrive whole (got {received} of {total} bytes: "
                               "the connection closed early)") from None
        except (OSError, http.client.HTTPException) as exc:
            raise RefreshError(f"{what} from {url}: must arrive whole (got {received} bytes, then {exc})") from None
    if total is not None and received != total:
        raise RefreshError(f"{what} from {url}: must arrive whole (got {received} of {total} bytes)")
    return {"url": url, "file": f"raw/{FILE_NAMES[key]}", "bytes": received, "sha256": digest.hexdigest(),
            "content_type": content_type}


def check_csv(path: Path, what: str, required: tuple[str, ...], one_of: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check a downloaded file is a whole CSV with ``required`` columns (and one of ``one_of``).

    Returns ``{"rows": n, "columns": [...]}``; raises :class:`RefreshError` saying what was
    expected and what was found: HTML, text that is not UTF-8, a missing column, a row
    with too few cells or a last line cut short (a truncated file), no records.
    """
    data = path.read_bytes()
    head = data[:512].lstrip(codecs.BOM_UTF8 + b" \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")):
        raise RefreshError(f"{what}: must be a CSV file (got an HTML page starting {shown(data[:40].decode('utf-8', 'replace'))})")
    if not data.strip():
        raise RefreshError(f"{what}: must hold a header row and records (got an empty file)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RefreshError(f"{what}: must be UTF-8 text (got an undecodable byte at offset {exc.start})") from None
    try:
        rows = list(csv.reader(text.splitlines(keepends=True), strict=True))
    except csv.Error as exc:
        raise RefreshError(f"{what}: must be well-formed CSV (got {exc}; the file looks truncated or damaged)") from None
    header = [h.strip() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if one_of and not any(c in header for c in one_of):
        missing.append(" or ".join(one_of))
    if missing:
        found = ", ".join(header[:12]) + (f" and {len(header) - 12} more" if len(header) > 12 else "")
        raise RefreshError(f"{what}: must have Epoch's columns {', '.join(required + ((' or '.join(one_of),) if one_of else ()))} "
                           f"(missing {', '.join(repr(m) for m in missing)}; found {found})")
    records = [r for r in rows[1:] if any(c.strip() for c in r)]
    if not records:
        raise RefreshError(f"{what}: must hold at least one record below the header (got none)")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header) and any(c.strip() for c in row):
            raise RefreshError(f"{what}: every record must have {len(header)} cells (got {len(row)} in record {number}"
                               + ("; the file looks truncated)" if number == len(rows) else ")"))
    if not text.endswith(("\n", "\r")):
        raise RefreshError(f"{what}: must end with a complete line (got a last line cut short; the file looks truncated)")
    return {"rows": len(records), "columns": header}


def _build(folder: Path, label: str, sources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The model and ECI steps of ``fixtures/build.py`` on the downloads; writes models.csv and benchmarks.csv."""
    from rankings.data.epoch.rows import (
        BENCH_HEADER,
        COUNTRY_COLUMNS,
        MODEL_HEADER,
        Registry,
        eci_rows,
        model_rows,
        read_epoch,
        write_csv,
    )

    reg = Registry()
    try:
        notable = read_epoch(folder / sources["notable"]["file"])
        country = next(c for c in COUNTRY_COLUMNS if c in notable.columns)
        models, dropped = model_rows(notable, label, country, reg)
    except (ValueError, KeyError, TypeError) as exc:
        raise RefreshError(f"{WHAT['notable']}: every record must be readable by the build (got {shown(str(exc))})") from None
    if not models:
        raise RefreshError(f"{WHAT['notable']}: must hold at least one model with a publication date "
                           f"(got none of {len(notable)} records)")
    try:
        eci = eci_rows(read_epoch(folder / sources["benchmarks"]["file"]), label, reg)
    except (ValueError, KeyError, TypeError) as exc:
        raise RefreshError(f"{WHAT['benchmarks']}: columns eci, eci_ci_low and eci_ci_high must hold numbers "
                           f"(got {shown(str(exc))})") from None
    models.sort(key=lambda r: (r[0], r[4], r[1]))
    eci.sort(key=lambda r: (r[0], r[1], r[2]))
    write_csv(folder / "models.csv", MODEL_HEADER, models)
    write_csv(folder / "benchmarks.csv", BENCH_HEADER, eci)
    return {"models": len(models), "dropped_without_date": dropped, "eci_entries": len(eci),
            "newest_record": max(r[4] for r in models)}


def _swap_in(tmp: Path, target: Path) -> bool:
    """Rename ``tmp`` to ``target``; an existing ``target`` is set aside first and removed after. True if replaced."""
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{tmp.name}")
        target.rename(old)
    try:
        tmp.rename(target)
    except OSError:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return old is not None


def refresh(label: str | None = None, *, urls: dict[str, str] | None = None, progress: Progress | None = None,
            timeout: float = 60.0, now: datetime | None = None) -> dict[str, Any]:
    """Download Epoch's current files and add them to the cache as snapshot ``label``.

    Parameters
    ----------
    label : str, optional
        The snapshot's name (default: today's UTC date, ``YYYY-MM-DD``); letters, digits,
        ``.``, ``_``, ``-``, and not a packaged snapshot's name. A cached snapshot of the
        same name is replaced, only once the new one is complete.
    urls : dict, optional
        ``{"notable": ..., "benchmarks": ...}`` (default: :func:`source_urls`).
    progress : callable, optional
        Told of the bytes received (see :data:`Progress`).
    timeout : float
        Seconds to wait for a server before giving up.

    Returns
    -------
    dict
        The snapshot's ``snapshot.json`` content plus ``folder`` and ``replaced``.

    Raises
    ------
    RefreshError
        A download failed or is not what the build reads (the message says which and
        why); the cache is unchanged.
    """
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    label = stamp.date().isoformat() if label is None else str(label)
    if not LABEL_PATTERN.fullmatch(label) or label in SNAPSHOTS:
        raise RefreshError(f"snapshot label must be letters, digits, '.', '_' or '-' and not a packaged snapshot "
                           f"({', '.join(SNAPSHOTS)}) (got {label!r})")
    urls = urls or source_urls()
    root = snapshots_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".refresh-", dir=root))
    except OSError as exc:
        raise RefreshError(f"the cache folder {root} must be writable (got {exc.strerror or exc})") from None
    try:
        (tmp / "raw").mkdir()
        from rankings.data.epoch.rows import COUNTRY_COLUMNS, ECI_COLUMNS, NOTABLE_COLUMNS

        sources: dict[str, dict[str, Any]] = {}
        for key in ("notable", "benchmarks"):
            sources[key] = _download(urls[key], tmp / "raw" / FILE_NAMES[key], key, progress, timeout)
            required, one_of = (NOTABLE_COLUMNS, COUNTRY_COLUMNS) if key == "notable" else (ECI_COLUMNS, ())
            checked = check_csv(tmp / "raw" / FILE_NAMES[key], f"{WHAT[key]} from {urls[key]}", required, one_of)
            sources[key]["rows"] = checked["rows"]
        from rankings._version import __version__

        meta = {"label": label, "created": stamp.isoformat().replace("+00:00", "Z"), "rankings_version": __version__,
                **_build(tmp, label, sources), "sources": sources}
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        try:
            replaced = _swap_in(tmp, root / label)
        except OSError as exc:
            raise RefreshError(f"the cache folder {root / label} must be replaceable (got {exc.strerror or exc})") from None
    except OSError as exc:
        raise RefreshError(f"the cache folder {root} must be writable (got {exc.strerror or exc})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {**meta, "folder": str(root / label), "replaced": replaced}


def snapshot_list() -> list[dict[str, Any]]:
    """Every snapshot a lens can read: label, kind (packaged or cached), newest record, counts, origin.

    Packaged snapshots come first (oldest first), then the cache's (sorted by label).
    """
    out: list[dict[str, Any]] = []
    for label in SNAPSHOTS:
        out.append({"snapshot": label, "kind": "packaged", "newest_record": _snapshot_end(label),
                    "models": len(_snapshot_models(label)), "eci_entries": None,
                    "source": f"fixtures/models.csv (Epoch notable_ai_models__snap{label}.csv)", "folder": None,
                    "created": None})
    for label, folder in cached_snapshots().items():
        meta = read_meta(folder) or {}
        sources = meta.get("sources") if isinstance(meta.get("sources"), dict) else None
        notable = sources.get("notable") if sources else None
        url = str(notable.get("url", "")) if isinstance(notable, dict) else ""
        out.append({"snapshot": label, "kind": "cached", "newest_record": _snapshot_end(label),
                    "models": len(_snapshot_models(label)), "eci_entries": len(_cached_eci(label)),
                    "source": url or "unknown", "folder": str(folder), "created": meta.get("created")})
    return out


def cache_location() -> str:
    """The cache folder as text (for messages)."""
    return str(cache_dir())
