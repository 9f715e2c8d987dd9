"""Sampled runs on Dask (rankings.sensitivity.distributed, rankings.cli.cluster): the same bytes on any cluster.

One local cluster of worker processes on 127.0.0.1 is started for the module and grown
from 1 to 3 workers; every run is compared byte for byte with the in-process engine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import rankings
from rankings.cli import main
from rankings.sensitivity.analyze import sensitivity
from rankings.sensitivity.engine import Counters, merge_counters, run_engine, use_engine
from rankings.sensitivity.sample import GEN_BLOCK, RunSampler, WeightSampler, parse_vary

STUDY = ["sensitivity", "--method", "equal-core", "--samples", "30000", "--seed", "5",
         "--vary", "normalize=min-max,rank", "--vary", "aggregate=arithmetic,geometric",
         "--sobol", "--sobol-samples", "64", "--format", "json"]


def _cli(args: list[str]) -> str:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}
    environ.update(env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=environ, timeout=120)


# ---------------------------------------------------------------------------------------
# Without Dask
# ---------------------------------------------------------------------------------------

def test_in_process_runs_never_import_dask():
    done = _python("""
        import os, sys
        from rankings.cli import main
        for args in (["--samples", "2000"], ["--samples", "2000", "--workers", "0"]):
            main.main(["sensitivity", *args, "--format", "json"], standalone_mode=False)
            # --workers 0 means in process even when the environment names a scheduler
            os.environ["DASK_SCHEDULER_ADDRESS"] = "tcp://127.0.0.1:1"
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed"))
        print("LOADED", loaded, file=sys.stderr)
    """)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stderr
    assert done.stdout.count('"contributor": "Alibaba"') == 2


def test_workers_without_the_extra_is_a_one_line_error_naming_it():
    done = _python("""
        import sys
        sys.modules["distributed"] = None   # as if the extra were not installed
        from rankings.cli import main
        main.main(["sensitivity", "--samples", "2000", "--workers", "2"], prog_name="rankings")
    """)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        'Error: running on Dask needs the optional extra: pip install "rankings[distributed]" '
        "(dask.distributed is not installed)"]


def test_workers_and_scheduler_together_are_refused():
    result = CliRunner().invoke(main, ["sensitivity", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2
    assert "--workers starts a local cluster and --scheduler names another; give one" in result.output


def test_merge_counters_in_order_equals_one_pass():
    problem_table = rankings.load_default()
    method = rankings.get_methodology("equal-core")
    from rankings.sensitivity.problem import build_problem

    problem = build_problem(method, problem_table, focus="Alibaba")
    runs = RunSampler(3, problem.weights)
    whole = run_engine(problem, runs.batch, 5000, store_runs=True, threads=1)
    parts = []
    for a, b in ((0, 1024), (1024, 4096), (4096, 5000)):
        parts.append(run_engine(problem, lambda lo, hi, a=a: runs.batch(a + lo, a + hi), b - a, store_runs=True,
                                threads=1))
    merged = merge_counters(parts)
    assert merged.runs == whole.runs == 5000
    for name in ("focus_hist", "acceptability", "shift_sum", "wins", "first_weight_sum"):
        assert np.array_equal(getattr(merged, name), getattr(whole, name)), name
    assert (merged.run_shift_sum, merged.run_shift_sq) == (whole.run_shift_sum, whole.run_shift_sq)
    assert np.array_equal(np.concatenate(merged.focus_runs), np.concatenate(whole.focus_runs))
    assert isinstance(merged, Counters) and merged.acceptability.sum() == 5000 * problem.n


def test_run_sampler_pickles_without_its_cache_and_draws_the_same():
    import pickle

    sampler = RunSampler(11, WeightSampler(("a", "b", "c")))
    first = sampler.batch(GEN_BLOCK - 5, GEN_BLOCK + 5)
    copy = pickle.loads(pickle.dumps(sampler))
    assert copy._cache == {}
    assert np.array_equal(copy.batch(GEN_BLOCK - 5, GEN_BLOCK + 5).weights, first.weights)


# ---------------------------------------------------------------------------------------
# On a local cluster
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    import logging

    local = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     dashboard_address=None, scheduler_kwargs={"dashboard": False},
                                     silence_logs=logging.CRITICAL)
    client = distributed.Client(local)
    try:
        yield local, client
    finally:
        client.close()
        local.close()


def _grow(cluster, workers: int) -> None:
    local, client = cluster
    local.scale(workers)
    client.wait_for_workers(workers, timeout=60)


def test_same_bytes_at_1_2_3_workers_as_in_process(cluster, tmp_path: Path):
    local, client = cluster
    address = local.scheduler_address
    reference = _cli([*STUDY, "--manifest", str(tmp_path / "in.json")])
    assert json.loads(reference)["sobol"]["runs"] == 64 * 7
    recorded = json.loads((tmp_path / "in.json").read_text())
    assert recorded["engine"] == {"engine": "in-process"}
    for workers in (1, 2, 3):
        _grow(cluster, workers)
        manifest = tmp_path / f"w{workers}.json"
        out = _cli([*STUDY, "--scheduler", address, "--manifest", str(manifest)])
        assert out == reference, f"{workers} workers"
        m = json.loads(manifest.read_text())
        assert m["output_sha256"] == recorded["output_sha256"]
        assert m["engine"] == {"engine": "dask", "scheduler": address, "workers": workers}
        assert "--scheduler" not in m["arguments"]  # a replay runs anywhere, in process by default
    # DASK_SCHEDULER_ADDRESS is the same as --scheduler; the run log is written in run order
    env = {"DASK_SCHEDULER_ADDRESS": address}
    log_args = ["sensitivity", "--samples", "5000", "--vary", "drop-metric", "--format", "json"]
    first = CliRunner().invoke(main, [*log_args, "--log-runs", str(tmp_path / "a.csv")], env=env)
    second = CliRunner().invoke(main, [*log_args, "--log-runs", str(tmp_path / "b.csv"), "--workers", "0"])
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert len((tmp_path / "a.csv").read_text().splitlines()) == 5001


def test_report_sampled_sections_on_the_cluster_give_the_same_page(cluster, tmp_path: Path):
    local, _ = cluster
    matrix = Path(__file__).parents[1] / "examples" / "matrix.csv"
    args = ["report", "--data", str(matrix), "--direction", "price=min", "--focus", "C", "--samples", "3000",
            "--no-sobol", "--ternary", "price,quality,speed"]
    _cli([*args, "-o", str(tmp_path / "in.html")])
    _cli([*args, "-o", str(tmp_path / "dask.html"), "--scheduler", local.scheduler_address])
    page = (tmp_path / "dask.html").read_bytes()
    assert page == (tmp_path / "in.html").read_bytes()
    assert b"3,000 weightings" in page and b"--scheduler" not in page  # the footer's command is the same too


def _synthetic(n: int = 400) -> rankings.ContributorTable:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"m{j}": rng.gamma(2.0, 10.0, n).round(3) for j in range(4)},
                         index=pd.Index([f"u{i:04d}" for i in range(n)], name="unit"))
    return rankings.ContributorTable.from_frame(frame)


def test_a_worker_killed_mid_run_changes_nothing(cluster):
    from rankings.sensitivity.distributed import DaskEngine

    local, client = cluster
    _grow(cluster, 3)
    table = _synthetic()
    method = rankings.get_methodology("equal-weights")
    factors = parse_vary(["normalize=min-max,rank", "aggregate=arithmetic,geometric"],
                         metrics=method.prepare(table).metric_names, lens_available=False)
    options = dict(focus="u0001", samples=50_000, seed=2, factors=factors)
    reference = json.dumps(sensitivity(method, table, **options).to_dict())
    pids = client.run(os.getpid)
    killed: list[int] = []
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if not killed:
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    with DaskEngine(scheduler=local.scheduler_address) as engine, use_engine(engine):
        assert engine.worker_count() == 3
        result = sensitivity(method, table, progress=progress, **options)
    assert killed and seen[-1] == 50_000 and seen == sorted(seen)
    assert json.dumps(result.to_dict()) == reference
    deadline = time.monotonic() + 30
    while killed[0] in client.run(os.getpid).values() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert killed[0] not in client.run(os.getpid).values()  # the process really died (and was replaced)


def test_an_unreachable_scheduler_fails_within_its_stated_timeout():
    pytest.importorskip("distributed")
    start = time.monotonic()
    result = CliRunner().invoke(main, ["sensitivity", "--samples", "2000", "--scheduler", "tcp://127.0.0.1:9",
                                       "--scheduler-timeout", "1.5"])
    elapsed = time.monotonic() - start
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: the Dask scheduler at tcp://127.0.0.1:9 must answer within 1.5 s (got no answer")
    assert elapsed < 1.5 + 5
    help_text = " ".join(CliRunner().invoke(main, ["sensitivity", "--help"]).output.split())
    assert "--scheduler-timeout SECONDS Seconds to wait for the scheduler (and its first worker) before a one-line " \
           "error [10]." in help_text


# ---------------------------------------------------------------------------------------
# confidence and the sampled bounds/tipping on the cluster
# ---------------------------------------------------------------------------------------

def _scale_to(cluster, workers: int) -> None:
    """Exactly ``workers`` workers (scaling down retires the others before returning)."""
    local, client = cluster
    local.scale(workers)
    deadline = time.monotonic() + 60
    while len(client.scheduler_info()["workers"]) != workers:
        assert time.monotonic() < deadline, f"the cluster did not reach {workers} workers"
        time.sleep(0.1)


@pytest.fixture
def mapped(monkeypatch):
    """Counts the pieces each DaskEngine.map call sends to the cluster."""
    from rankings.sensitivity.distributed import DaskEngine

    calls: list[int] = []
    original = DaskEngine.map

    def counting(self, problem, func, items, **options):
        calls.append(len(items))
        return original(self, problem, func, items, **options)

    monkeypatch.setattr(DaskEngine, "map", counting)
    return calls


CONFIDENCE = ["confidence", "--samples", "600", "--seed", "4", "--chunk-size", "100", "--format", "json"]


def test_confidence_bootstrap_on_1_and_2_workers_gives_the_same_bytes(cluster, mapped, tmp_path: Path):
    local, _ = cluster
    reference = _cli([*CONFIDENCE, "--manifest", str(tmp_path / "in.json")])
    assert reference == _cli([*CONFIDENCE, "--workers", "0"])
    assert json.loads(reference)["bootstrap_runs"] == 600
    recorded = json.loads((tmp_path / "in.json").read_text())
    assert recorded["engine"] == {"engine": "in-process"} and mapped == []
    for workers in (1, 2):
        _scale_to(cluster, workers)
        manifest = tmp_path / f"w{workers}.json"
        assert _cli([*CONFIDENCE, "--scheduler", local.scheduler_address, "--manifest", str(manifest)]) == reference
        m = json.loads(manifest.read_text())
        assert m["output_sha256"] == recorded["output_sha256"]
        assert m["engine"] == {"engine": "dask", "scheduler": local.scheduler_address, "workers": workers}
    # 600 resamples in tasks of three whole chunks of 100 (each task starts a resample block): 300 + 300
    assert mapped == [2, 2]
    # record resampling in sensitivity pickles for the workers too (its incidence builder and block cache)
    resampled = ["sensitivity", "--resample", "models", "--samples", "1500", "--sobol", "--sobol-samples", "16",
                 "--format", "json"]
    assert _cli([*resampled, "--scheduler", local.scheduler_address]) == _cli(resampled)


def test_sampled_bounds_and_tipping_on_1_and_2_workers_give_the_same_bytes(cluster, mapped, monkeypatch):
    from rankings.sensitivity.exact import common

    local, _ = cluster
    # TOPSIS is not linear in the weights, so bounds and tipping score a weight sample; with
    # about 2**15 scores per task the 12,005 sampled rows go out as several tasks of 2,048 rows
    monkeypatch.setattr(common, "TASK_SCORES", 2**15)
    commands = [["bounds", "--method", "topsis-core", "--samples", "12000", "--seed", "3", "--format", "json"],
                ["tipping", "--method", "topsis-core", "--samples", "4000", "--seed", "3", "--format", "json"],
                ["bounds", "--method", "topsis-core", "--all", "--samples", "3000", "--format", "json"]]
    references = [_cli(args) for args in commands]
    assert json.loads(references[0])["exact"] is False and json.loads(references[1])["exact"] is False
    assert mapped == []
    for workers in (1, 2):
        _scale_to(cluster, workers)
        for args, reference in zip(commands, references):
            assert _cli([*args, "--scheduler", local.scheduler_address]) == reference, (workers, args[0])
    assert min(mapped) > 1 and max(mapped) >= 6  # the samples really went out in pieces


def test_workers_share_the_inputs_as_bytes_and_unpickle_them_once(cluster):
    """A worker sends another the pickled inputs, never the live problem (whose caches fill as tasks run)."""
    from rankings.sensitivity import distributed as dask_engine
    from rankings.sensitivity.problem import build_problem

    local, client = cluster
    problem = build_problem(rankings.get_methodology("equal-core"), rankings.load_default(), focus="Alibaba")
    with dask_engine.DaskEngine(scheduler=local.scheduler_address) as engine:
        future = engine._inputs(problem, None)
        key, blob = future.result()
        assert isinstance(blob, bytes) and key == future.key
        where = sorted(client.scheduler_info()["workers"])[-1:]
        ids = [client.submit(lambda inputs: id(dask_engine._loaded(inputs)), future, workers=where,
                             pure=False).result() for _ in range(2)]
        future.release()
    assert ids[0] == ids[1]  # the tasks of one call on one worker share one unpickled copy
