"""``rankings data refresh`` and ``rankings data snapshots``, against a local server.

The server (``http.server`` on 127.0.0.1, in a thread) serves two small recorded files,
``tests/data/refresh/``: 30 rows of the 2026-08 notable-models copy and 30 of the
2026-08-22 benchmarked-models copy, with Epoch's full column layout. No test reaches the
internet. Every failing download must end in one line on stderr, exit code 2, and the
previous cache exactly as it was (the conftest gives each test an empty cache folder).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from rankings.cli import main
from rankings.data import load_default
from rankings.data.lenses import Lens
from rankings.data.refresh import FILE_NAMES, check_csv, refresh, snapshot_list, source_urls
from rankings.data.snapshots import cached_snapshots, known_snapshots
from rankings.errors import RefreshError, UnknownNameError

RECORDED = Path(__file__).parent / "data" / "refresh"
NOTABLE = (RECORDED / "notable_ai_models.csv").read_bytes()
BENCHMARKS = (RECORDED / "benchmarked_models.csv").read_bytes()
PACKAGED = Path(__file__).resolve().parent.parent / "fixtures"

# path -> (status, content type, body, declared length or None for the true length)
ROUTES: dict[str, tuple[int, str, bytes, int | None]] = {}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        status, ctype, body, declared = ROUTES.get(self.path, (404, "text/plain", b"not found\n", None))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if declared is None else declared))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def serve(folder: str, notable: bytes = NOTABLE, benchmarks: bytes = BENCHMARKS, *,
          ctype: str = "text/csv", declared: int | None = None) -> str:
    """Serve the two files under /folder/; returns the path for --source."""
    ROUTES[f"/{folder}/{FILE_NAMES['notable']}"] = (200, ctype, notable, declared)
    ROUTES[f"/{folder}/{FILE_NAMES['benchmarks']}"] = (200, "text/csv", benchmarks, None)
    return f"/{folder}/"


def first_records(n: int) -> bytes:
    """The recorded notable-models file cut to its header and first ``n`` records (cells hold newlines)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(NOTABLE.decode("utf-8"))))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows[:n + 1])
    return out.getvalue().encode("utf-8")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def cache_state(cache: Path) -> dict[str, bytes]:
    """Every file under the cache with its bytes (temporary folders included, so leftovers show)."""
    return {str(p.relative_to(cache)): p.read_bytes() for p in sorted(cache.rglob("*")) if p.is_file()}


def packaged_state() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(PACKAGED.glob("*.csv"))}


# -- a successful refresh --------------------------------------------------------------------

def test_refresh_builds_a_snapshot_selectable_by_every_command(server: str, _private_cache: Path):
    before = packaged_state()
    result = run("data", "refresh", "--source", server + serve("good"), "--label", "fresh")
    assert result.exit_code == 0, result.output
    assert "Snapshot fresh: 30 models (newest 2026-08-14; 0 undated left out), 28 ECI entries" in result.output
    folder = _private_cache / "snapshots" / "fresh"
    assert (folder / "raw" / "notable_ai_models.csv").read_bytes() == NOTABLE
    meta = json.loads((folder / "snapshot.json").read_text(encoding="utf-8"))
    assert meta["sources"]["notable"]["url"] == server + "/good/notable_ai_models.csv"
    assert meta["sources"]["benchmarks"]["rows"] == 30 and meta["newest_record"] == "2026-08-14"
    assert packaged_state() == before  # the packaged fixtures are never touched
    assert [p.name for p in (_private_cache / "snapshots").iterdir()] == ["fresh"]  # no temporary folder left

    ranked = run("rank", "--snapshot", "fresh", "--top", "3", "--format", "json")
    assert ranked.exit_code == 0, ranked.output
    payload = json.loads(ranked.output)
    assert payload["data"]["lens"]["snapshot"] == "fresh"
    assert [(r["contributor"], r["score"]) for r in payload["ranking"][:2]] == [("Alibaba", 5.0), ("OpenAI", 5.0)]
    frontier = run("rank", "--snapshot", "fresh", "--method", "benchmark-frontier", "--format", "csv")
    assert frontier.exit_code == 0 and "OpenAI,153.31" in frontier.output  # the downloaded ECI, not the packaged one
    assert run("data", "models", "--contributor", "Alibaba", "--snapshot", "fresh").exit_code == 0
    sources = run("data", "sources", "--snapshot", "fresh")
    assert "/good/notable_ai_models.csv (downloaded" in sources.output

    listed = run("data", "snapshots")
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0].split() == ["snapshot", "kind", "newest", "record", "models", "eci", "source"]
    assert [line.split()[:4] for line in lines[1:6]] == [
        ["2024-12", "packaged", "2024-12-06", "884"], ["2025-12", "packaged", "2025-11-13", "952"],
        ["2026-07", "packaged", "2026-07-15", "1031"], ["2026-08", "packaged", "2026-08-14", "1050"],
        ["fresh", "cached", "2026-08-14", "30"]]
    assert server + "/good/notable_ai_models.csv" in lines[5]
    as_json = json.loads(run("data", "snapshots", "--format", "json").output)
    assert as_json["cache"] == str(_private_cache)
    assert [s["snapshot"] for s in as_json["snapshots"]] == ["2024-12", "2025-12", "2026-07", "2026-08", "fresh"]


def test_the_library_reads_a_cached_snapshot_and_sees_it_replaced(server: str):
    urls = source_urls(server + serve("lib"))
    meta = refresh("lib-1", urls=urls)
    assert meta["replaced"] is False and "lib-1" in known_snapshots()
    table = load_default(Lens(snapshot="lib-1"))
    assert table.lens["snapshot"] == "lib-1" and table.lens["data_end"] == "2026-08-14"
    # A second refresh under the same label replaces it, and readers see the new records.
    serve("lib-small", notable=first_records(10))
    again = refresh("lib-1", urls=source_urls(server + "/lib-small/"))
    assert again["replaced"] is True and again["models"] == 10
    assert [s["models"] for s in snapshot_list() if s["snapshot"] == "lib-1"] == [10]
    assert list(cached_snapshots()) == ["lib-1"]


def test_a_default_label_is_the_utc_date_and_a_packaged_label_is_refused(server: str):
    from datetime import UTC, datetime

    meta = refresh(urls=source_urls(server + serve("dated")), now=datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    assert meta["label"] == "2026-12-01" and meta["created"] == "2026-12-01T23:30:00Z"
    for bad in ("2026-08", "../escape", "a b", ""):
        with pytest.raises(RefreshError, match="snapshot label must be"):
            refresh(bad, urls=source_urls(server + "/dated/"))


def test_an_unknown_snapshot_names_the_cached_ones(server: str):
    refresh("known-one", urls=source_urls(server + serve("names")))
    with pytest.raises(UnknownNameError, match="known-one"):
        load_default(Lens(snapshot="known-on"))
    result = CliRunner().invoke(main, ["rank", "--snapshot", "nope"])
    assert result.exit_code == 2 and "known-one" in result.output


# -- failing downloads leave the previous cache intact ---------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bad_cases(server: str) -> dict[str, tuple[list[str], list[str]]]:
    page = b"<!DOCTYPE html>\n<html><head><title>Epoch AI</title></head><body>Data</body></html>\n"
    cases = {
        "unreachable": (["--url-notable", f"http://127.0.0.1:{_closed_port()}/notable_ai_models.csv"],
                        ["notable models from http://127.0.0.1:", "must be reachable", "got"]),
        "not-found": (["--source", server + "/nowhere/"], ["must answer 200 OK", "got HTTP 404"]),
        "html": (["--source", server + serve("html", notable=page, ctype="text/html")],
                 ["must be a CSV file", "got an HTML page", "text/html"]),
        "html-as-csv": (["--source", server + serve("html-csv", notable=page)],
                        ["must be a CSV file", "got an HTML page starting '<!DOCTYPE html>"]),
        "cut-connection": (["--source", server + serve("short", declared=len(NOTABLE) + 5000)],
                           ["must arrive whole", f"got {len(NOTABLE)} of {len(NOTABLE) + 5000} bytes"]),
        "cut-in-a-quoted-cell": (["--source", server + serve("cut", notable=first_records(13)[:-300])],
                                 ["notable models from", "must be well-formed CSV (got unexpected end of data",
                                  "looks truncated"]),
        "cut-after-a-cell": (["--source", server + serve("cut-row", notable=first_records(13) + b"Some model,OpenAI,2025-")],
                             ["every record must have 47 cells (got 3 in record 15; the file looks truncated)"]),
        "cut-in-last-cell": (["--source", server + serve("cut-end", notable=NOTABLE[:-1])],
                             ["must end with a complete line", "looks truncated"]),
        "changed-columns": (["--source", server + serve("renamed", notable=NOTABLE.replace(b"Publication date", b"Release date", 1))],
                            ["must have Epoch's columns Model, Organization, Publication date",
                             "missing 'Publication date'", "found Model, Organization, Release date"]),
        "changed-eci-columns": (["--source", server + serve("renamed-eci", benchmarks=BENCHMARKS.replace(b",eci,", b",eci_score,", 1))],
                                ["benchmarked models from", "missing 'eci'"]),
        "empty": (["--source", server + serve("empty", notable=b"")], ["got an empty file"]),
    }
    return cases


CASES = ["unreachable", "not-found", "html", "html-as-csv", "cut-connection", "cut-in-a-quoted-cell", "cut-after-a-cell",
         "cut-in-last-cell",
         "changed-columns", "changed-eci-columns", "empty"]


@pytest.mark.parametrize("case", CASES)
def test_a_bad_download_is_one_line_exit_2_and_keeps_the_previous_cache(case: str, server: str, _private_cache: Path):
    first = run("data", "refresh", "--source", server + serve("base"), "--label", "kept")
    assert first.exit_code == 0, first.output
    before, fixtures = cache_state(_private_cache), packaged_state()
    options, fragments = _bad_cases(server)[case]
    result = CliRunner().invoke(main, ["data", "refresh", *options, "--label", "kept"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert cache_state(_private_cache) == before  # the previous snapshot, byte for byte; no temporary folder left
    assert packaged_state() == fixtures
    ranked = run("rank", "--snapshot", "kept", "--top", "1", "--format", "csv")
    assert ranked.exit_code == 0 and ranked.output.splitlines()[1].startswith("1,Alibaba,5")


def test_check_csv_names_what_it_expected_and_found(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfeModel\n")
    with pytest.raises(RefreshError, match="must be UTF-8 text"):
        check_csv(path, "x", ("Model",))
    path.write_text('Model,Organization\n"GPT,OpenAI\n', encoding="utf-8")
    with pytest.raises(RefreshError, match="must be well-formed CSV|every record must have"):
        check_csv(path, "x", ("Model", "Organization"))
    path.write_text("Model,Organization\n", encoding="utf-8")
    with pytest.raises(RefreshError, match="at least one record"):
        check_csv(path, "x", ("Model", "Organization"))
    path.write_text("Model,Organization\nA,B\n", encoding="utf-8")
    assert check_csv(path, "x", ("Model",)) == {"rows": 1, "columns": ["Model", "Organization"]}


def test_no_progress_bar_when_stderr_is_not_a_terminal(server: str):
    result = CliRunner().invoke(main, ["data", "refresh", "--source", server + serve("quiet"), "--label", "quiet"])
    assert result.exit_code == 0 and "Downloading" not in result.output
