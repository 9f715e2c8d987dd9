"""Run manifests: enough to replay a command and check it gives the same bytes.

A manifest records the package and numpy versions, the command and its options, the
seed, a SHA-256 digest of every contributor table the run read, the full definition of
every methodology it used, the lens, and a digest of the output. Replaying reruns the
command and compares; when the output differs, the manifest says what else changed
(another version, changed data, a changed methodology definition).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rankings.errors import DataError
from rankings.table import ContributorTable

MANIFEST_FORMAT = 1


def table_digest(table: ContributorTable) -> str:
    """SHA-256 over names, metric specs, attributes, intervals and the exact float bytes."""
    h = hashlib.sha256()
    h.update(json.dumps({
        "contributors": list(table.contributors),
        "metrics": [s.to_dict() for s in table.metrics],
        "attributes": {k: list(v) for k, v in table.attributes.items()},
    }, sort_keys=True).encode())
    h.update(np.ascontiguousarray(table.values, dtype="<f8").tobytes())
    for key in sorted(table.intervals):
        low, high = table.intervals[key]
        h.update(key.encode())
        h.update(np.ascontiguousarray(low, dtype="<f8").tobytes())
        h.update(np.ascontiguousarray(high, dtype="<f8").tobytes())
    return h.hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Manifest:
    """What a run read, how it was configured and what it printed."""

    command: str
    arguments: list[str]
    versions: Mapping[str, str]
    data: list[dict[str, Any]] = field(default_factory=list)
    methodologies: list[dict[str, Any]] = field(default_factory=list)
    seed: int | None = None
    output_sha256: str = ""
    output_bytes: int = 0
    format: int = MANIFEST_FORMAT
    engine: dict[str, Any] | None = None
    """Where sampled runs were evaluated (``in-process`` or ``dask`` with its workers); not compared on replay."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any], source: str) -> Manifest:
        required = ("command", "arguments", "versions", "output_sha256")
        missing = [k for k in required if k not in payload]
        if missing:
            raise DataError(f"manifest {source} must have {', '.join(required)} (missing {', '.join(missing)})")
        if payload.get("format") != MANIFEST_FORMAT:
            raise DataError(f"manifest {source} must be format {MANIFEST_FORMAT} (got {payload.get('format')!r})")
        expected = {"command": "a string", "arguments": "a list of strings", "versions": "an object of strings",
                    "data": "a list of objects", "methodologies": "a list of objects", "seed": "an integer or null",
                    "output_sha256": "a string", "output_bytes": "an integer", "engine": "an object or null"}
        for key, what in expected.items():
            if key in payload and not _is(payload[key], what):
                raise DataError(f"manifest {source}: {key!r} must be {what} (got {type(payload[key]).__name__})")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in payload.items() if k in known})


def _is(value: Any, what: str) -> bool:
    """Whether a manifest field has the JSON type ``what`` names (a tampered manifest is refused, not run)."""
    if what == "a string":
        return isinstance(value, str)
    if what == "a list of strings":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if what == "an object of strings":
        return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    if what == "a list of objects":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if what == "an object or null":
        return value is None or isinstance(value, dict)
    if what == "an integer or null":
        return value is None or (isinstance(value, int) and not isinstance(value, bool))
    return isinstance(value, int) and not isinstance(value, bool)


def current_versions() -> dict[str, str]:
    import platform

    from rankings._version import __version__

    return {"rankings": __version__, "numpy": np.__version__, "python": platform.python_version()}


def write_json_atomically(payload: Any, path: str | Path) -> None:
    """Write JSON whole or not at all (temp file in the same folder, then rename)."""
    from rankings._atomic import write_text_atomically

    write_text_atomically(path, json.dumps(payload, indent=2, sort_keys=True) + "\n", what="manifest")


def read_manifest(path: str | Path) -> Manifest:
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"manifest must exist (got {str(path)!r})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"manifest {path} must be JSON ({exc})") from None
    except RecursionError:
        raise DataError(f"manifest {path} must be a flat JSON record (got nesting too deep to read)") from None
    if not isinstance(payload, dict):
        raise DataError(f"manifest {path} must hold a JSON object (got {type(payload).__name__})")
    return Manifest.from_dict(payload, str(path))


def differences(recorded: Manifest, replayed: Manifest) -> list[str]:
    """Human-readable list of what differs between a recorded and a replayed run."""
    out: list[str] = []
    for key in sorted(set(recorded.versions) | set(replayed.versions)):
        a, b = recorded.versions.get(key), replayed.versions.get(key)
        if a != b:
            out.append(f"{key} version: recorded {a}, now {b}")
    old = {d.get("label"): d.get("sha256") for d in recorded.data}
    new = {d.get("label"): d.get("sha256") for d in replayed.data}
    for label in sorted(set(old) | set(new), key=str):
        if old.get(label) != new.get(label):
            out.append(f"data {label!r} changed: recorded sha256 {str(old.get(label))[:12]}, now {str(new.get(label))[:12]}")
    old_m = {m.get("name"): m for m in recorded.methodologies}
    new_m = {m.get("name"): m for m in replayed.methodologies}
    for name in sorted(set(old_m) | set(new_m), key=str):
        if old_m.get(name) != new_m.get(name):
            out.append(f"methodology {name!r} definition changed")
    if recorded.output_sha256 != replayed.output_sha256:
        out.append(f"output differs: recorded {recorded.output_bytes} bytes sha256 {recorded.output_sha256[:12]}, "
                   f"now {replayed.output_bytes} bytes sha256 {replayed.output_sha256[:12]}")
    return out


def describe_data(tables: Sequence[ContributorTable]) -> list[dict[str, Any]]:
    return [{"label": t.label, "lens": dict(t.lens), "contributors": t.n_contributors,
             "metrics": list(t.metric_names), "sha256": table_digest(t)} for t in tables]
