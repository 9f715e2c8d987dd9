"""Start-up cost: which commands import numba, and when the first-run note is shown.

No timings here (those live in ``benchmarks/``): these tests check the mechanisms that
keep a warm start short, by looking at ``sys.modules`` of a fresh process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from rankings.sensitivity import backends, kernels

PROBE = ("import sys, json\n"
         "from rankings.cli import main\n"
         "sys.argv = ['rankings', *json.loads(sys.argv[1])]\n"
         "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
         "print(json.dumps({'code': code, 'numba': 'numba' in sys.modules}), file=sys.stderr)\n")


def _modules(args: list[str], **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if k != backends.KERNELS_ENV}
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True,
                          env={**environ, **env}, timeout=300)
    return json.loads(proc.stderr.strip().splitlines()[-1])


def test_rank_does_not_import_numba():
    got = _modules(["rank"])
    assert got == {"code": 0, "numba": False}


def test_a_small_sensitivity_run_does_not_import_numba():
    got = _modules(["sensitivity", "--samples", "2000", "--format", "json"])
    assert got == {"code": 0, "numba": False}


@pytest.mark.skipif(not backends.numba_installed(), reason="numba not installed")
def test_a_large_run_or_an_explicit_setting_uses_numba():
    got = _modules(["sensitivity", "--samples", "500", "--format", "json"], RANKINGS_KERNELS="numba")
    assert got == {"code": 0, "numba": True}


def test_auto_prefers_numpy_only_for_small_work(monkeypatch):
    monkeypatch.delenv(backends.KERNELS_ENV, raising=False)
    with backends.prefer_numpy_for(backends.AUTO_NUMPY_WORK):
        assert backends.backend() == "numpy"
        assert backends.backend("numba" if backends.numba_available() else "numpy") in ("numba", "numpy")
        with backends.prefer_numpy_for(backends.AUTO_NUMPY_WORK + 1):
            assert backends.backend() == "numpy"  # the outer, small analysis still decides
    if backends.numba_available():
        with backends.prefer_numpy_for(backends.AUTO_NUMPY_WORK + 1):
            assert backends.backend() == "numba"
        monkeypatch.setenv(backends.KERNELS_ENV, "numba")
        with backends.prefer_numpy_for(10):
            assert backends.backend() == "numba"  # the setting wins


def test_small_and_large_runs_give_the_same_bytes(monkeypatch):
    from rankings import load_default
    from rankings.registry import get_methodology
    from rankings.sensitivity.analyze import sensitivity

    monkeypatch.delenv(backends.KERNELS_ENV, raising=False)
    table = load_default()
    method = get_methodology("equal-core")
    small = sensitivity(method, table, focus="Alibaba", samples=3000, seed=4)
    monkeypatch.setattr(backends, "AUTO_NUMPY_WORK", 0)
    large = sensitivity(method, table, focus="Alibaba", samples=3000, seed=4)
    np.testing.assert_array_equal(small.acceptability, large.acceptability)
    assert small.to_dict() == large.to_dict()


def test_the_first_run_note_follows_the_kernel_cache(monkeypatch, tmp_path):
    from rankings.cli.progress import kernels_pending

    monkeypatch.delenv(backends.KERNELS_ENV, raising=False)
    assert kernels_pending(10) is False  # small work: numpy, nothing to compile
    monkeypatch.setenv(backends.KERNELS_ENV, "numpy")
    assert kernels_pending(10**9) is False
    monkeypatch.delenv(backends.KERNELS_ENV)
    if not backends.numba_installed():
        return
    monkeypatch.setattr(kernels, "_compiled", {})
    monkeypatch.setattr(kernels, "cache_folders", lambda: [tmp_path / "__pycache__", tmp_path / "user"])
    assert kernels_pending(10**9) is True
    (tmp_path / "user" / "deep").mkdir(parents=True)
    v = sys.version_info
    (tmp_path / "user" / "deep" / f"kernels._py_rank_accumulate-228.py{v[0]}{v[1]}.nbi").write_bytes(b"x")
    assert kernels_pending(10**9) is True  # the previous kernel's cache: the acceptability kernel still compiles
    (tmp_path / "user" / "deep" / f"accept_kernels._py_accumulate-147.py{v[0]}{v[1]}.nbi").write_bytes(b"x")
    assert kernels_pending(10**9) is False


def test_small_tie_groups_match_the_numpy_rule():
    from rankings import ranking

    rng = np.random.default_rng(3)
    for trial in range(400):
        n = int(rng.integers(1, ranking.SMALL_N + 1))
        pool = np.array([0.0, -0.0, 1.0, 1.0 + 5e-13, 2.0, np.inf, -np.inf, 1e12, 1e12 + 1.0, -3.5])
        s = pool[rng.integers(0, len(pool), size=n)] if trial % 2 else rng.normal(size=n) * 10.0 ** rng.integers(-3, 4)
        big = np.concatenate([s, np.full(ranking.SMALL_N, -np.inf)])  # past SMALL_N: the numpy path
        np.testing.assert_array_equal(ranking.tie_groups(s), ranking.tie_groups(big)[:n])


def test_a_numba_cache_dir_is_the_only_cache_folder(monkeypatch, tmp_path):
    """numba reads and writes only ``$NUMBA_CACHE_DIR`` when it is set: a cache elsewhere does not count."""
    from rankings.cli.progress import kernels_pending

    monkeypatch.delenv(backends.KERNELS_ENV, raising=False)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "empty"))
    assert kernels.cache_folders() == [tmp_path / "empty"]
    if backends.numba_installed():
        monkeypatch.setattr(kernels, "_compiled", {})
        assert kernels_pending(10**9) is True  # even if the package's own __pycache__ holds a cache
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    assert kernels.cache_folders()[0].name == "__pycache__"
