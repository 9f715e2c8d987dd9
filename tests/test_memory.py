"""The memory a sampled run needs, refused up front (rankings.sensitivity.memory).

One estimate covers the engine, post-processing, the Sobol' design and the output
format; it is checked against the smallest of MemAvailable, the RLIMIT_AS headroom and
the cgroup limits, before any work, in one line naming the option to change.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rankings.errors import AnalysisError
from rankings.methodology import Methodology
from rankings.sensitivity import analyze, engine, memory
from rankings.sensitivity.analyze import sensitivity
from rankings.table import ContributorTable, MetricSpec

MB = 2**20


def _method() -> Methodology:
    return Methodology(name="raw-sum", description="weighted sum of raw values", normalize="none",
                       aggregate="arithmetic")


def _table(n: int, m: int = 3) -> ContributorTable:
    values = np.random.default_rng(n).random((n, m))
    return ContributorTable(contributors=[f"c{i}" for i in range(n)],
                            metrics=[MetricSpec(f"m{j}", kind="score") for j in range(m)], values=values, label="t")


def _csv(path: Path, n: int) -> Path:
    rows = np.random.default_rng(n).random((n, 3))
    path.write_text("name,a,b,c\n" + "".join(f"c{i},{x:.6f},{y:.6f},{z:.6f}\n" for i, (x, y, z) in enumerate(rows)))
    return path


def _cli(*args: str):
    from rankings.cli.main import main

    return CliRunner().invoke(main, ["sensitivity", *args])


@pytest.fixture
def little_memory(monkeypatch):
    """Pretend the process may take only ``limit`` bytes more (set by the test)."""
    state = {"limit": 60 * MB}
    monkeypatch.setattr(memory, "memory_headroom", lambda: memory.Headroom(state["limit"], "test limit"))
    return state


# ---------------------------------------------------------------------------------------
# The output format is counted
# ---------------------------------------------------------------------------------------

def test_json_output_counted_table_passes(tmp_path, little_memory):
    data = str(_csv(tmp_path / "t.csv", 600))
    common = ("--data", data, "--normalize", "none", "--focus", "c0", "--samples", "64", "--top", "3")
    table = _cli(*common)
    assert table.exit_code == 0, table.output
    res = _cli(*common, "--format", "json")
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    assert re.search(r"needs about \d+\.\d MB of memory for the JSON of 600 x 600 matrices", lines[0])
    assert "60.0 MB is available (test limit)" in lines[0] and "--format table" in lines[0]


def test_library_counts_the_output_format(little_memory):
    t = _table(600)
    sensitivity(_method(), t, focus="c0", samples=64, output="table")
    with pytest.raises(AnalysisError, match=r"needs about .* MB of memory for the JSON of 600 x 600"):
        sensitivity(_method(), t, focus="c0", samples=64, output="json")
    with pytest.raises(AnalysisError, match="output format must be one of"):
        sensitivity(_method(), t, focus="c0", samples=64, output="xml")


def test_post_processing_counted_not_only_the_engine(little_memory):
    """1300 contributors: the engine alone fits in 60 MB, the N x N results do not (the compact default does)."""
    est = memory.estimate_run(1300, 3, samples=64, chunk=64, pairs=4, workers=1, compiled=True)
    assert "rank acceptability" in est.phase and est.bytes >= memory.POST_BYTES_PER_CELL * 1300**2
    with pytest.raises(AnalysisError, match=r"for the 1300 x 1300 rank acceptability .*drop --full-acceptability"
                                            r".*fewer contributors"):
        sensitivity(_method(), _table(1300), focus="c0", samples=64, full_acceptability=True)
    res = sensitivity(_method(), _table(1300), focus="c0", samples=64)
    assert res.ranks_kept == 50 and res.acceptability.shape == (1300, 50)


def test_full_matrix_refused_before_any_work_with_what_it_needs(monkeypatch, tmp_path):
    """--full-acceptability at N = 3000: one line naming the memory needed, before the engine starts."""
    monkeypatch.setattr(memory, "memory_headroom", lambda: memory.Headroom(200 * MB, "test limit"))
    started = []
    monkeypatch.setattr(engine, "_run_engine", lambda *a, **k: started.append(1))
    need = memory.estimate_run(3000, 3, samples=64, chunk=64, pairs=11, kept=3000, full_requested=True)
    assert need.bytes > 0.8 * 200 * MB > memory.estimate_run(3000, 3, samples=64, chunk=64, pairs=11, kept=50).bytes
    res = _cli("--data", str(_csv(tmp_path / "big.csv", 3000)), "--normalize", "none", "--focus", "c0",
               "--samples", "64", "--full-acceptability")
    assert res.exit_code == 2 and not started, res.output
    lines = [x for x in res.output.strip().splitlines() if x]
    assert len(lines) == 1 and "Traceback" not in res.output, res.output
    assert re.search(r"needs about \d+\.\d (MB|GB) of memory for .*3000 .*200\.0 MB is available \(test limit\)"
                     r".*drop --full-acceptability", lines[0]), lines[0]


# ---------------------------------------------------------------------------------------
# Sobol': refused before the design is drawn, naming --sobol-samples
# ---------------------------------------------------------------------------------------

def _no_work(monkeypatch):
    from SALib.sample import sobol as salib_sample

    def fail(*a, **k):
        raise AssertionError("work started before the refusal")

    monkeypatch.setattr(analyze, "run_engine", fail)
    monkeypatch.setattr(salib_sample, "sample", fail)


def test_huge_sobol_samples_refused_before_allocation(monkeypatch):
    _no_work(monkeypatch)
    t0 = time.perf_counter()
    res = _cli("--method", "equal-core", "--samples", "500", "--sobol", "--sobol-samples", str(2**40))
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "Sobol' design of 1099511627776 base rows" in lines[0]
    assert lines[0].endswith("lower --sobol-samples") and "is available (" in lines[0]
    assert time.perf_counter() - t0 < 20


def test_sobol_samples_not_power_of_two_refused_before_the_main_run(monkeypatch):
    _no_work(monkeypatch)
    res = _cli("--method", "equal-core", "--samples", "500", "--sobol", "--sobol-samples", "1000")
    assert res.exit_code == 2 and "--sobol-samples" in res.output and "power of 2" in res.output


def test_sobol_design_counted_in_the_estimate():
    small = memory.estimate_run(100, 3, samples=1000, chunk=1024, pairs=5, sobol_samples=1024, sobol_groups=3)
    big = memory.estimate_run(100, 3, samples=1000, chunk=1024, pairs=5, sobol_samples=2**24, sobol_groups=3)
    assert big.bytes > 2**24 * memory.SOBOL_BYTES_PER_BASE_ROW and big.remedy == "lower --sobol-samples"
    assert small.bytes < big.bytes / 1000


# ---------------------------------------------------------------------------------------
# Limits of the process: RLIMIT_AS and cgroups
# ---------------------------------------------------------------------------------------

RLIMIT_SCRIPT = textwrap.dedent("""
    import resource, sys
    from rankings.cli.main import main
    import numpy, numba  # loaded before the limit: they need address space of their own
    from rankings.sensitivity import analyze, kernels
    def vm_size():
        for line in open("/proc/self/status"):
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    limit = vm_size() + 300 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    main(["sensitivity", "--data", sys.argv[1], "--normalize", "none", "--focus", "c0", "--samples", "2000",
          "--full-acceptability"])
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc/self/status are Linux's")
def test_rlimit_as_honoured(tmp_path):
    data = _csv(tmp_path / "big.csv", 4000)  # 4000 x 4000 counters and results: about 600 MB
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RLIMIT_SCRIPT, str(data)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "(RLIMIT_AS headroom)" in lines[0] and "4000 x 4000 rank acceptability" in lines[0]
    assert time.perf_counter() - t0 < 120


def _cgroup_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "self-cgroup"
    path.write_text(text)
    return path


def test_cgroup_v2_limit_read_from_a_folder(tmp_path):
    (tmp_path / "memory.max").write_text("1073741824\n")
    (tmp_path / "memory.current").write_text("268435456\n")
    got = memory.cgroup_headroom(tmp_path, _cgroup_file(tmp_path, "0::/\n"))
    assert got is not None and got.bytes == 768 * MB and got.source.startswith("cgroup v2 memory.max")


def test_cgroup_v2_tightest_of_the_process_cgroup_and_its_parents(tmp_path):
    leaf = tmp_path / "user.slice" / "job"
    leaf.mkdir(parents=True)
    (tmp_path / "user.slice" / "memory.max").write_text("2147483648\n")
    (tmp_path / "user.slice" / "memory.current").write_text("1073741824\n")
    (leaf / "memory.max").write_text("max\n")
    (leaf / "memory.current").write_text("1000\n")
    got = memory.cgroup_headroom(tmp_path, _cgroup_file(tmp_path, "0::/user.slice/job\n"))
    assert got is not None and got.bytes == 1024 * MB and "user.slice" in got.source
    (leaf / "memory.max").write_text(f"{512 * MB}\n")
    got = memory.cgroup_headroom(tmp_path, _cgroup_file(tmp_path, "0::/user.slice/job\n"))
    assert got is not None and got.bytes == 512 * MB - 1000


def test_cgroup_v1_limit_and_no_limit(tmp_path):
    v1 = tmp_path / "memory" / "docker" / "abc"
    v1.mkdir(parents=True)
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")  # no limit
    self_cgroup = _cgroup_file(tmp_path, "4:memory:/docker/abc\n0::/\n")
    assert memory.cgroup_headroom(tmp_path, self_cgroup) is None
    (v1 / "memory.limit_in_bytes").write_text(f"{600 * MB}\n")
    (v1 / "memory.usage_in_bytes").write_text(f"{100 * MB}\n")
    got = memory.cgroup_headroom(tmp_path, self_cgroup)
    assert got is not None and got.bytes == 500 * MB and got.source.startswith("cgroup v1 memory.limit_in_bytes")
    assert memory.cgroup_headroom(tmp_path / "absent", tmp_path / "absent-file") is None


def test_cgroup_limit_refuses_the_run(tmp_path, monkeypatch):
    (tmp_path / "memory.max").write_text(f"{80 * MB}\n")
    (tmp_path / "memory.current").write_text(f"{40 * MB}\n")
    self_cgroup = _cgroup_file(tmp_path, "0::/\n")
    real = memory.cgroup_headroom
    monkeypatch.setattr(memory, "cgroup_headroom", lambda: real(tmp_path, self_cgroup))
    assert memory.memory_headroom() == memory.Headroom(40 * MB, f"cgroup v2 memory.max of {tmp_path}")
    with pytest.raises(AnalysisError, match=r"needs about .* but 40\.0 MB is available \(cgroup v2 memory\.max"):
        sensitivity(_method(), _table(1200), focus="c0", samples=64, full_acceptability=True)


# ---------------------------------------------------------------------------------------
# The estimate is not made up: within a factor of 2 of the measured peak
# ---------------------------------------------------------------------------------------

def test_estimate_within_a_factor_of_two_of_the_measured_peak(tmp_path):
    """N = 800, full acceptability written as JSON: tracemalloc's peak (numpy buffers included)."""
    from rankings.cli.main import main

    n = 800
    data = str(_csv(tmp_path / "t.csv", n))
    args = ["sensitivity", "--data", data, "--normalize", "none", "--focus", "c0", "--samples", "256",
            "--top", "5", "--format", "json", "--output", str(tmp_path / "out.json")]
    main(args[:-4] + ["--samples", "64"], standalone_mode=False)  # warm up imports and kernels
    tracemalloc.start()
    try:
        main(args, standalone_mode=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(json.loads((tmp_path / "out.json").read_text())["acceptability"]) == n
    estimate = engine.check_analysis_size(n, 3, samples=256, chunk_size=None, pairs=6, output="json")
    assert "JSON" in estimate.phase
    assert 0.5 <= estimate.bytes / peak <= 2, (estimate, peak)
