"""Hierarchies of metrics: pillars (of any depth) with their own weights and aggregation.

A TOML methodology may group metrics into pillars::

    aggregate = "arithmetic"          # how the top level combines its pillars
    [weights]                         # the top level: pillars (or metrics) and their weights
    creation = 1
    skills = 1
    [pillars.creation]
    members = { patents = 1, royalties = 1 }
    [pillars.skills]
    members = { schooling = 2, university = 1 }
    aggregate = "geometric"           # optional; the methodology's aggregate by default

A member is a metric or another pillar. Weights are relative within each pillar; the
*effective weight* of a metric is the product of its normalised weights down the path from
the top (:meth:`Hierarchy.effective_weights`). Where every level aggregates as the top one
does, arithmetic or geometric, the whole is that aggregation over the metrics with the
effective weights, and the exact analyses run on them; otherwise (:attr:`Hierarchy.flat` is
False) the methodology scores level by level and the exact analyses say they need a linear
whole.

A weight vector over the metrics (the sensitivity engine's) sets every level: a pillar
weighs the sum of its metrics' weights, and its members weigh in proportion to theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from rankings.errors import MethodologyError, shown

PILLAR_AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric")
PILLAR_KEYS: tuple[str, ...] = ("members", "aggregate", "description")


@dataclass(frozen=True)
class Pillar:
    name: str
    members: Mapping[str, float]
    aggregate: str
    description: str = ""


@dataclass(frozen=True)
class Hierarchy:
    """Top-level weights over pillars or metrics, and the pillars."""

    top: Mapping[str, float]
    pillars: Mapping[str, Pillar]
    aggregate: str

    @property
    def flat(self) -> bool:
        """True when the hierarchy is one aggregation over the metrics with the effective weights."""
        return self.aggregate in PILLAR_AGGREGATIONS and all(p.aggregate == self.aggregate
                                                             for p in self.pillars.values())

    def metrics(self) -> tuple[str, ...]:
        """The leaves, in depth-first order from the top."""
        out: list[str] = []

        def walk(members: Mapping[str, float]) -> None:
            for name in members:
                if name in self.pillars:
                    walk(self.pillars[name].members)
                elif name not in out:
                    out.append(name)

        walk(self.top)
        return tuple(out)

    def effective_weights(self) -> dict[str, float]:
        """Metric -> product of the normalised weights on its path (sums to 1)."""
        out: dict[str, float] = {}

        def walk(members: Mapping[str, float], share: float) -> None:
            total = sum(members.values())
            for name, w in members.items():
                part = share * w / total if total > 0 else 0.0
                if name in self.pillars:
                    walk(self.pillars[name].members, part)
                else:
                    out[name] = out.get(name, 0.0) + part

        walk(self.top, 1.0)
        return {m: out[m] for m in self.metrics()}

    def leaves(self, name: str) -> tuple[str, ...]:
        """The metrics under a pillar (a metric's own name for a metric)."""
        if name not in self.pillars:
            return (name,)
        out: list[str] = []
        for member in self.pillars[name].members:
            out += [m for m in self.leaves(member) if m not in out]
        return tuple(out)

    def pillar_weights(self, weights: Mapping[str, float]) -> dict[str, float]:
        """Pillar -> its share of the total weight under metric weights ``weights``."""
        total = sum(weights.values()) or 1.0
        return {p: sum(weights.get(m, 0.0) for m in self.leaves(p)) / total for p in self.pillars}

    def score(self, Z: np.ndarray, W: np.ndarray, metrics: tuple[str, ...]) -> np.ndarray:
        """Scores (S x N) of normalised values ``Z`` (N x M) under metric weights ``W`` (S x M), level by level."""
        column = {m: j for j, m in enumerate(metrics)}
        W = np.atleast_2d(W)

        def node(name: str) -> tuple[np.ndarray, np.ndarray]:  # (S x N values, S weights)
            if name not in self.pillars:
                j = column[name]
                return np.broadcast_to(Z[:, j], (W.shape[0], Z.shape[0])), W[:, j]
            return combine(self.pillars[name].members, self.pillars[name].aggregate)

        def combine(members: Mapping[str, float], how: str) -> tuple[np.ndarray, np.ndarray]:
            parts = [node(m) for m in members]
            weight: np.ndarray = np.sum([w for _, w in parts], axis=0)
            safe = np.where(weight > 0, weight, 1.0)[:, None]
            if how == "geometric":
                with np.errstate(divide="ignore", invalid="ignore"):
                    logs = sum(np.where(w[:, None] > 0, w[:, None] * np.log(np.maximum(v, 0.0)), 0.0)
                               for v, w in parts)
                value = np.exp(logs / safe)
            else:
                value = sum(w[:, None] * v for v, w in parts) / safe
            return value, weight

        return combine(self.top, self.aggregate)[0]

    def describe(self, weights: Mapping[str, float] | None = None) -> list[str]:
        """Indented lines: each pillar with its share and aggregation, each metric with its effective weight."""
        w = dict(weights) if weights is not None else self.effective_weights()
        shares = self.pillar_weights(w)
        total = sum(w.values()) or 1.0
        lines: list[str] = []

        def walk(members: Mapping[str, float], depth: int) -> None:
            for name in members:
                pad = "  " * depth
                if name in self.pillars:
                    p = self.pillars[name]
                    lines.append(f"{pad}{name} [pillar, {p.aggregate}]: {shares[name]:.4g}")
                    walk(p.members, depth + 1)
                else:
                    lines.append(f"{pad}{name}: {w.get(name, 0.0) / total:.4g}")

        walk(self.top, 0)
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {"aggregate": self.aggregate, "top": dict(self.top), "flat": self.flat,
                "pillars": {n: {"members": dict(p.members), "aggregate": p.aggregate} for n, p in self.pillars.items()},
                "effective_weights": self.effective_weights()}


def _weights(raw: Any, where: str) -> dict[str, float]:
    if not isinstance(raw, Mapping) or not raw:
        raise MethodologyError(f"{where} must be a non-empty table of name = weight (got {shown(raw)})")
    out = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
            raise MethodologyError(f"{where}: weight of {key!r} must be a finite non-negative number (got {shown(value)})")
        out[str(key)] = float(value)
    if sum(out.values()) <= 0:
        raise MethodologyError(f"{where}: weights must not all be zero")
    return out


def parse_pillars(raw: Any, top: Mapping[str, float], aggregate: str, where: str) -> Hierarchy:
    """Build and check a hierarchy from a TOML ``[pillars]`` table and the top-level weights.

    Errors name the file and the key: an empty pillar, an unknown key, an aggregation other
    than arithmetic or geometric, a pillar inside two pillars, a cycle, a pillar nothing uses.
    """
    if not isinstance(raw, Mapping) or not raw:
        raise MethodologyError(f"{where}: pillars must be a table of pillar tables (got {shown(raw)})")
    if aggregate not in PILLAR_AGGREGATIONS:
        raise MethodologyError(f"{where}: pillars need aggregate = {' or '.join(repr(a) for a in PILLAR_AGGREGATIONS)} "
                               f"at the top (got {aggregate!r})")
    pillars: dict[str, Pillar] = {}
    for name, body in raw.items():
        key = f"{where}: key 'pillars.{name}'"
        if not isinstance(body, Mapping):
            raise MethodologyError(f"{key} must be a table with members (got {shown(body)})")
        unknown = [k for k in body if k not in PILLAR_KEYS]
        if unknown:
            raise MethodologyError(f"{key}: unknown key {unknown[0]!r} (expected {', '.join(PILLAR_KEYS)})")
        if "members" not in body or (isinstance(body["members"], (Mapping, list)) and not body["members"]):
            raise MethodologyError(f"{key} must have members (got an empty pillar)")
        members_raw = body["members"]
        if isinstance(members_raw, list) and all(isinstance(m, str) for m in members_raw):
            members_raw = {m: 1.0 for m in members_raw}
        members = _weights(members_raw, f"{key}.members")
        how = body.get("aggregate", aggregate)
        if how not in PILLAR_AGGREGATIONS:
            raise MethodologyError(f"{key}.aggregate must be one of {', '.join(PILLAR_AGGREGATIONS)} (got {shown(how)})")
        if name in members:
            raise MethodologyError(f"{key} contains itself (a cycle)")
        pillars[str(name)] = Pillar(str(name), members, str(how), str(body.get("description", "")))
    parent: dict[str, str] = {}
    for name, p in pillars.items():
        for member in p.members:
            if member in pillars:
                if member in parent:
                    raise MethodologyError(f"{where}: key 'pillars.{member}' belongs to two pillars "
                                           f"({parent[member]!r} and {name!r})")
                parent[member] = name
    for name in pillars:  # follow parents up: a cycle comes back
        seen = [name]
        node = name
        while node in parent:
            node = parent[node]
            if node in seen:
                raise MethodologyError(f"{where}: key 'pillars.{name}' is in a cycle ({' -> '.join([*seen, node])})")
            seen.append(node)
    for name in pillars:
        if name not in parent and name not in top:
            raise MethodologyError(f"{where}: key 'pillars.{name}' is in no pillar and not in weights "
                                   "(give it a weight at the top or make it a member)")
    for name in top:
        if name in parent:
            raise MethodologyError(f"{where}: key 'weights.{name}' names a pillar that is also a member of {parent[name]!r}")
    return Hierarchy(dict(top), pillars, aggregate)
