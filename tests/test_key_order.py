"""The key sort of rankings.sensitivity.key_order: an exact ascending order, and the same counters as argsort.

Rows are adversarial for a sort that truncates the low bits of the scores: exact ties,
values one unit in the last place apart, values differing only in the bits that hold the
index (in and against index order, so the fix-up pass must repair them or give up), negative
values, -0.0 beside 0.0, and subnormals.
"""

from __future__ import annotations

import numpy as np
import pytest

from rankings.sensitivity import accept_kernels, kernels, key_order, row_ranks

pytestmark = pytest.mark.skipif(not kernels.numba_available(), reason="numba missing")

SIZES = [1, 2, 29, 300, 5000]


def _hard_rows(N: int) -> np.ndarray:
    rng = np.random.default_rng(N)
    bits = key_order.index_bits(N)
    base = np.float64(0.75)  # its low 52 - bits mantissa bits are zero: one truncation group starts here
    ulps = np.arange(N, dtype=np.int64) % (1 << max(bits, 1))
    below = (base.view(np.int64) + ulps).view(np.float64)
    rows = [
        rng.random(N),
        np.round(rng.random(N) * 3) / 3,  # exact ties
        np.zeros(N),
        below,  # only the index bits differ, in index order
        below[::-1].copy(),  # against index order: the fix-up gives up, argsort sorts the row
        np.nextafter(0.4, 1.0) * np.ones(N) + np.where(rng.random(N) < 0.5, 0.0, np.spacing(0.4)),  # one ulp apart
        -rng.lognormal(0.0, 3.0, N),
        np.where(rng.random(N) < 0.5, -0.0, 0.0),
        rng.integers(-3, 4, N) * 5e-324,  # subnormals and both zeros
        -below,
    ]
    swapped = below.copy()  # a few neighbours swapped: repaired in place
    at = np.arange(1, N - 1, 7)
    swapped[at], swapped[at + 1] = below[at + 1], below[at]
    rows.append(swapped)
    rows.append(_gaps_near_tolerance(N, rng))
    mixed = rng.random(N)
    mixed[::3] = -mixed[::3]
    mixed[::5] = np.nextafter(mixed[::5], np.inf)
    mixed[0], mixed[-1] = 0.0, -0.0
    rows.append(mixed)
    return np.array(rows)


def _gaps_near_tolerance(N: int, rng: np.random.Generator) -> np.ndarray:
    """Scores whose gaps are the tie tolerance, a hair above or below it, half or twice it, or zero."""
    from rankings.ranking import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE

    tol = RELATIVE_TOLERANCE * 2.0 + ABSOLUTE_TOLERANCE  # the scores stay in [1, 2)
    steps = np.array([1.0, 1.0 - 2.0**-30, 1.0 + 2.0**-30, 1.0 - 1e-3, 1.0 + 1e-3, 0.5, 2.0, 0.0]) * tol
    row = np.minimum(1.0 + np.cumsum(steps[rng.integers(0, len(steps), N)]), 2.0 - 2.0**-52)
    row[rng.integers(0, N)] = 2.0 - 2.0**-52  # the largest score sets the tolerance
    return row[rng.permutation(N)]


@pytest.mark.parametrize("N", SIZES)
def test_key_order_is_an_exact_ascending_order(N):
    accept_kernels._compile()
    S = _hard_rows(N)
    keys = key_order.sorted_keys(S, accept_kernels._kernel("pack_keys"))
    bits = key_order.index_bits(N)
    gave_up = []
    for r, (row, k) in enumerate(zip(S, keys)):
        seq = np.empty(N, dtype=np.int64)
        vals = np.empty(N)
        if not row_ranks._nb_key_order(k, row, bits, seq, vals):
            gave_up.append(r)
            continue
        assert sorted(seq.tolist()) == list(range(N))
        assert np.array_equal(vals.view(np.int64), row[seq].view(np.int64))
        assert np.all(vals[:-1] <= vals[1:])
        assert np.array_equal(np.sort(row), vals)
    expected = kernels.competition_ranks(S, kernels="numpy")
    walked = []
    for r, (row, k) in enumerate(zip(S, keys)):  # the ranks read from the keys alone, when certain
        ranks = np.zeros(N, dtype=np.int64)
        if row_ranks._nb_walk_ranks(k, row, bits, ranks):
            walked.append(r)
            assert ranks.tolist() == expected[r].tolist(), r
    assert 0 in walked and 3 in walked  # random scores; scores apart only in the index bits
    if N > 28:
        assert 11 not in walked  # gaps at the tolerance: not certain from the keys, ordered exactly
    # the fix-up gives up only on rows crowded into one truncation group in scrambled order (the reversed
    # row, the one-ulp row, the subnormals), where argsort sorts the row instead
    assert set(gave_up) <= {4, 5, 8}
    assert (4 in gave_up) == (N > 28)


@pytest.mark.parametrize("N", SIZES)
def test_key_sort_gives_the_argsort_counters(N):
    S = _hard_rows(N)
    rng = np.random.default_rng(N + 1)
    S = np.concatenate([S, S[rng.permutation(len(S))]])
    W = rng.dirichlet(np.ones(4), len(S))
    ref = rng.permutation(N).astype(np.int64) + 1
    pairs = np.arange(min(N, 5))
    for kept in sorted({N, max(1, N // 3)}):
        layout = accept_kernels.RankLayout.for_ranks(N, kept)
        got = []
        for ordering in accept_kernels.ORDERINGS:
            c = accept_kernels.AcceptCounters(layout, 4, pairs)
            focus, shift = c.add_chunk(S, W, ref, N // 2, choice="numba", ordering=ordering)
            got.append([focus.tolist(), shift.tolist(), c.acceptability.tolist(), c.beyond.tolist(),
                        c.rank_sum.tolist(), c.shift_sum.tolist(), c.wins.tolist(), c.first_weight_big.tolist()])
        assert got[0] == got[1]
    expected = kernels.competition_ranks(S, kernels="numpy")
    for ordering in accept_kernels.ORDERINGS:
        np.testing.assert_array_equal(accept_kernels.rank_rows(S, ordering), expected)


def test_unknown_ordering_is_refused():
    with pytest.raises(ValueError, match="ordering"):
        accept_kernels.rank_rows(np.zeros((1, 40)), "radix")


@pytest.mark.parametrize("N", [0, 1, 2, 3, 17, 1001])
def test_heap_order_is_an_ascending_permutation(N):
    row_ranks.compile_kernels()
    rng = np.random.default_rng(N)
    for row in (rng.random(N), np.round(rng.random(N) * 3), np.zeros(N), np.arange(N)[::-1] * -1e-300):
        order = row_ranks._nb_heap_order(row)
        assert sorted(order.tolist()) == list(range(N))
        assert np.all(row[order][:-1] <= row[order][1:])


def test_buffered_runs_keep_the_reference_ranks_they_came_with():
    rng = np.random.default_rng(4)
    N = 60
    S, W = rng.random((40, N)), rng.dirichlet(np.ones(4), 40)
    ref_a, ref_b = np.arange(1, N + 1, dtype=np.int64), rng.permutation(N).astype(np.int64) + 1
    layout = accept_kernels.RankLayout.for_ranks(N)
    mixed = accept_kernels.AcceptCounters(layout, 4, np.arange(2))
    ref = ref_a.copy()
    mixed.add_chunk(S[:20], W[:20], ref, 0, choice="numba")
    ref[:] = ref_b  # the caller's array changes while those runs wait in the buffer
    mixed.add_chunk(S[20:], W[20:], ref, 0, choice="numba")
    parts = []
    for rows, r in ((slice(0, 20), ref_a), (slice(20, 40), ref_b)):
        c = accept_kernels.AcceptCounters(layout, 4, np.arange(2))
        c.add_chunk(S[rows], W[rows], r, 0, choice="numba")
        parts.append(c.shift_sum)
    assert mixed.shift_sum.tolist() == (parts[0] + parts[1]).tolist()
def test_int32_counts_fold_into_the_int64_counters(monkeypatch):
    rng = np.random.default_rng(9)
    N = 300
    S = np.round(rng.random((1000, N)) * 50)  # ties
    W = rng.dirichlet(np.ones(4), len(S))
    ref = np.arange(1, N + 1, dtype=np.int64)
    got = []
    for fold in (2**31 - 1, 150):
        monkeypatch.setattr(accept_kernels, "FOLD_RUNS", fold)
        c = accept_kernels.AcceptCounters(accept_kernels.RankLayout.for_ranks(N, 40), 4, np.arange(3))
        for a in range(0, len(S), 100):
            c.add_chunk(S[a:a + 100], W[a:a + 100], ref, 5, choice="numba")
        got.append([c.acceptability.tolist(), c.beyond.tolist(), c.rank_sum.tolist(), c.shift_sum.tolist()])
    assert got[0] == got[1]
    assert sum(got[0][0][0]) + sum(got[0][1][0]) == len(S)


def test_counts_added_to_a_total_equal_the_counters_read():
    rng = np.random.default_rng(5)
    N = 120
    S, W = np.round(rng.random((300, N)) * 20), rng.dirichlet(np.ones(4), 300)
    ref = np.arange(1, N + 1, dtype=np.int64)
    layout = accept_kernels.RankLayout.for_ranks(N, 30)
    a, b = (accept_kernels.AcceptCounters(layout, 4, np.arange(2)) for _ in range(2))
    for c in (a, b):
        c.add_chunk(S, W, ref, 0, choice="numba")
    total = np.zeros((N, 30), dtype=np.int64)
    a.add_top_to(total)  # buffered runs, not read yet
    assert total.tolist() == b.acceptability.tolist()
    assert int(total.sum()) == 300 * N - int(b.beyond.sum())
