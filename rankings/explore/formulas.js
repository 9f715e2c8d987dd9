/* The ranking formulas of rankings, in JavaScript: one definition of each, used by the
 * explore page. Each mirrors its Python twin (rankings/normalize.py, rankings/aggregate.py,
 * rankings/ranking.py, rankings/sensitivity/linear.py, rankings/sensitivity/exact/sweep.py)
 * operation for operation, and tests/browser/test_formulas.py checks them against it.
 * Matrices are arrays of rows (N contributors x M metrics); higher is better after
 * normalisation; weights are one vector summing to 1.
 */
"use strict";
var Formulas = (function () {
  var RELATIVE_TOLERANCE = 1e-9, ABSOLUTE_TOLERANCE = 1e-12, COPELAND_TIE = 1e-12;

  function FormulaError(message) { this.message = message; }
  FormulaError.prototype.toString = function () { return this.message; };

  function cols(X) { return X.length ? X[0].length : 0; }
  function map2(X, f) { return X.map(function (row, i) { return row.map(function (v, j) { return f(v, i, j); }); }); }
  function oriented(X, higher) { return map2(X, function (v, i, j) { return higher[j] ? v : -v; }); }
  function colReduce(X, j, f, init) { var a = init; for (var i = 0; i < X.length; i++) a = f(a, X[i][j]); return a; }
  function colMin(X, j) { return colReduce(X, j, Math.min, Infinity); }
  function colMax(X, j) { return colReduce(X, j, Math.max, -Infinity); }
  function colSum(X, j) { var s = 0; for (var i = 0; i < X.length; i++) s += X[i][j]; return s; }
  function any(X, test) { for (var i = 0; i < X.length; i++) for (var j = 0; j < X[i].length; j++) if (test(X[i][j], j)) return true; return false; }

  /* Per column, average ranks from the bottom (1 = smallest), ties share the mean (ranking.average_ranks). */
  function averageRanks(X) {
    var n = X.length, m = cols(X), out = X.map(function () { return new Array(m); });
    for (var j = 0; j < m; j++) {
      var order = [];
      for (var i = 0; i < n; i++) order.push(i);
      order.sort(function (a, b) { return X[a][j] - X[b][j] || a - b; });  // stable, like kind="stable"
      var start = 0;
      while (start < n) {
        var end = start + 1;
        while (end < n && X[order[end]][j] === X[order[start]][j]) end++;
        var mean = start + (end - start + 1) / 2.0;
        for (var k = start; k < end; k++) out[order[k]][j] = mean;
        start = end;
      }
    }
    return out;
  }

  // -- normalisations (rankings/normalize.py) ----------------------------------------
  function minMax(X, higher, p) {
    var lower = p && p.lower !== undefined ? p.lower : 0.0, upper = p && p.upper !== undefined ? p.upper : 1.0;
    var O = oriented(X, higher), m = cols(O), low = [], spread = [];
    for (var j = 0; j < m; j++) { low.push(colMin(O, j)); var s = colMax(O, j) - low[j]; spread.push(s > 0 ? s : 1.0); }
    return map2(O, function (v, i, j) { return lower + (v - low[j]) / spread[j] * (upper - lower); });
  }
  function zScore(X, higher, p) {
    var ddof = p && p.ddof !== undefined ? p.ddof : 1, O = oriented(X, higher), n = O.length, m = cols(O);
    if (n - ddof <= 0) return map2(O, function () { return 0.0; });
    var eps = 2.220446049250313e-16, mean = [], sd = [], live = [];
    for (var j = 0; j < m; j++) {
      mean.push(colSum(O, j) / n);
      var sq = 0;
      for (var i = 0; i < n; i++) { var c = O[i][j] - mean[j]; sq += c * c; }
      var v = sq / n, constant = colMax(O, j) === colMin(O, j) || v <= n * eps * v + Math.pow(n * eps * mean[j], 2);
      sd.push(Math.sqrt(v * n / (n - ddof)));
      live.push(!constant && sd[j] > 0);
    }
    return map2(O, function (v, i, j) { return live[j] ? (v - mean[j]) / sd[j] : 0.0; });
  }
  function rank(X, higher) { return map2(averageRanks(oriented(X, higher)), function (r) { return r - 1.0; }); }
  function percentile(X, higher) {
    var n = X.length;
    if (n < 2) return map2(X, function () { return 1.0; });
    return map2(averageRanks(oriented(X, higher)), function (r) { return (r - 1.0) / (n - 1); });
  }
  function logMinMax(X, higher, p) {
    if (any(X, function (v) { return v <= -1; })) throw new FormulaError("log-min-max needs every value above -1 (got a value <= -1)");
    return minMax(map2(X, Math.log1p), higher, p);
  }
  function share(X, higher) {
    if (any(X, function (v) { return v < 0; })) throw new FormulaError("share normalisation needs non-negative values (got a negative value)");
    var n = X.length, m = cols(X), out = X.map(function () { return new Array(m); });
    for (var j = 0; j < m; j++) {
      var col = [];
      for (var i = 0; i < n; i++) col.push(X[i][j]);
      if (!higher[j]) {
        if (col.some(function (v) { return v <= 0; })) throw new FormulaError("share of a lower-is-better metric needs positive values (got 0)");
        col = col.map(function (v) { return 1.0 / v; });
      }
      var total = sum(col);
      for (i = 0; i < n; i++) out[i][j] = total > 0 ? col[i] / total : 0.0;
    }
    return out;
  }
  function ratioToLeader(X, higher) {
    if (any(X, function (v) { return v < 0; })) throw new FormulaError("ratio-to-leader needs non-negative values (got a negative value)");
    var n = X.length, m = cols(X), out = X.map(function () { return new Array(m); });
    for (var j = 0; j < m; j++) {
      if (higher[j]) {
        var top = colMax(X, j);
        for (var i = 0; i < n; i++) out[i][j] = top > 0 ? X[i][j] / top : 0.0;
      } else {
        if (any(X, function (v, k) { return k === j && v <= 0; })) throw new FormulaError("ratio-to-leader of a lower-is-better metric needs positive values (got 0)");
        var low = colMin(X, j);
        for (i = 0; i < n; i++) out[i][j] = low / X[i][j];
      }
    }
    return out;
  }
  function distanceToReference(X, higher, p) {
    var ref = p.reference;
    if (!ref || ref.length !== cols(X) || ref.some(function (r) { return !(r > 0); }))
      throw new FormulaError("distance-to-reference needs one positive reference per metric");
    if (any(X, function (v, j) { return !higher[j] && v <= 0; }))
      throw new FormulaError("distance-to-reference of a lower-is-better metric needs positive values (got 0)");
    return map2(X, function (v, i, j) { return higher[j] ? v / ref[j] : ref[j] / v; });
  }
  function goalposts(X, higher, p) {
    var b = p.bounds;
    if (!b || b.length !== cols(X) || b.some(function (lh) { return !(lh[1] > lh[0]); }))
      throw new FormulaError("goalposts need bounds lo:hi with hi > lo for every metric");
    return map2(X, function (v, i, j) {
      var z = higher[j] ? (v - b[j][0]) / (b[j][1] - b[j][0]) : (b[j][1] - v) / (b[j][1] - b[j][0]);
      return p.clip ? Math.min(Math.max(z, 0.0), 1.0) : z;
    });
  }
  function vector(X, higher) {
    var m = cols(X), norms = [];
    for (var j = 0; j < m; j++) { var s = 0; for (var i = 0; i < X.length; i++) s += X[i][j] * X[i][j]; norms.push(Math.sqrt(s)); }
    return map2(X, function (v, i, j) { var z = v / (norms[j] > 0 ? norms[j] : 1.0); return higher[j] ? z : -z; });
  }
  function none(X, higher) { return oriented(X, higher); }

  var NORMALIZERS = {
    "none": none, "min-max": minMax, "z-score": zScore, "rank": rank, "percentile": percentile,
    "log-min-max": logMinMax, "share": share, "ratio-to-leader": ratioToLeader,
    "distance-to-reference": distanceToReference, "goalposts": goalposts, "vector": vector
  };

  // -- aggregations (rankings/aggregate.py), one weight vector ------------------------
  function dot(w, row) { var s = 0; for (var j = 0; j < w.length; j++) s += w[j] * row[j]; return s; }
  function arithmetic(Z, w) { return Z.map(function (row) { return dot(w, row); }); }
  function positiveLog(Z) {
    if (any(Z, function (v) { return v < 0; }))
      throw new FormulaError("the geometric mean needs non-negative normalised values (got a negative one); use min-max with lower=1, ratio-to-leader or share");
    return map2(Z, function (v) { return v <= 0 ? 0.0 : Math.log(v); });
  }
  function geometric(Z, w) {
    var logs = positiveLog(Z);
    return Z.map(function (row, i) {
      for (var j = 0; j < w.length; j++) if (w[j] > 0 && row[j] <= 0) return 0.0;  // a zero on a weighted metric vetoes
      return Math.exp(dot(w, logs[i]));
    });
  }
  function topsis(Z, w) {
    var m = cols(Z), hi = [], lo = [];
    for (var j = 0; j < m; j++) { hi.push(colMax(Z, j)); lo.push(colMin(Z, j)); }
    var w2 = w.map(function (x) { return x * x; });
    return Z.map(function (row) {
      var p = 0, q = 0;
      for (var j = 0; j < m; j++) { var a = row[j] - hi[j], b = row[j] - lo[j]; p += w2[j] * (a * a); q += w2[j] * (b * b); }
      var dPlus = Math.sqrt(p), dMinus = Math.sqrt(q), total = dPlus + dMinus;
      return total > 0 ? dMinus / total : 0.5;
    });
  }
  function waspas(Z, w, p) {
    var lam = p && p.lam !== undefined ? p.lam : 0.5;
    if (!(lam >= 0 && lam <= 1)) throw new FormulaError("WASPAS lambda must lie in [0, 1] (got " + lam + ")");
    var a = arithmetic(Z, w), g = geometric(Z, w);
    return a.map(function (x, i) { return lam * x + (1.0 - lam) * g[i]; });
  }
  function netWins(Z) {
    var n = Z.length, m = cols(Z);
    return Z.map(function (row) {
      return row.map(function (v, j) {
        var below = 0, above = 0;
        for (var k = 0; k < n; k++) { if (Z[k][j] < v) below++; else if (Z[k][j] > v) above++; }
        return below - above;
      });
    });
  }
  function prometheeForm(Z) { var d = Math.max(Z.length - 1, 1); return map2(netWins(Z), function (v) { return v / d; }); }
  function prometheeII(Z, w) {
    if (Z.length < 2) return Z.map(function () { return 0.0; });
    return arithmetic(prometheeForm(Z), w);
  }
  function points(Z) { return map2(averageRanks(Z), function (r) { return r - 1.0; }); }
  function borda(Z, w) { return arithmetic(points(Z), w); }
  function copeland(Z, w) {
    var n = Z.length, m = cols(Z);
    return Z.map(function (a) {
      var total = 0;
      for (var b = 0; b < n; b++) {
        var e = 0;
        for (var j = 0; j < m; j++) { var d = a[j] - Z[b][j]; e += w[j] * ((d > 0 ? 1 : 0) + 0.5 * (d === 0 ? 1 : 0)); }
        e -= 0.5;
        if (Math.abs(e) <= COPELAND_TIE) e = 0.0;
        total += e > 0 ? 1 : (e < 0 ? -1 : 0);
      }
      return total;
    });
  }
  function lexicographic(Z, w) {
    var n = Z.length, prio = [];
    for (var j = 0; j < w.length; j++) prio.push(j);
    prio.sort(function (a, b) { return w[b] - w[a] || a - b; });  // decreasing weight, stable
    prio = prio.filter(function (j) { return w[j] > 0; });
    var keys = Z.map(function (row) { return prio.length ? prio.map(function (j) { return row[j]; }) : [0]; });
    var order = [];
    for (var i = 0; i < n; i++) order.push(i);
    function cmp(a, b) { for (var k = 0; k < keys[a].length; k++) { var d = keys[a][k] - keys[b][k]; if (d) return d; } return 0; }
    order.sort(function (a, b) { return cmp(a, b) || a - b; });
    var score = new Array(n), first = 0;
    for (var r = 0; r < n; r++) {
      if (r > 0 && cmp(order[r], order[r - 1]) !== 0) first = r;
      score[order[r]] = first;
    }
    return score;
  }

  var AGGREGATIONS = {
    "arithmetic": arithmetic, "geometric": geometric, "topsis": topsis, "waspas": waspas,
    "promethee-ii": prometheeII, "borda": borda, "copeland": copeland, "lexicographic": lexicographic
  };
  var LINEAR_FORMS = {
    "arithmetic": function (Z) { return Z; },
    "geometric": function (Z) { return any(Z, function (v) { return v <= 0; }) ? null : map2(Z, Math.log); },
    "promethee-ii": prometheeForm,
    "borda": points
  };

  // -- ranks (rankings/ranking.py) ------------------------------------------------------
  function tieTolerance(scores) {
    var scale = 0;
    for (var i = 0; i < scores.length; i++) if (isFinite(scores[i])) scale = Math.max(scale, Math.abs(scores[i]));
    return RELATIVE_TOLERANCE * scale + ABSOLUTE_TOLERANCE;
  }
  function rankScores(scores, ties) {
    ties = ties || "competition";
    var n = scores.length, tol = tieTolerance(scores), order = [];
    for (var i = 0; i < n; i++) { if (scores[i] !== scores[i]) throw new FormulaError("scores must not contain NaN"); order.push(i); }
    order.sort(function (a, b) { return (scores[b] - scores[a]) || a - b; });
    var group = new Array(n), g = 0, sizes = [];
    for (var k = 0; k < n; k++) {
      if (k > 0) {
        var gap = scores[order[k - 1]] - scores[order[k]];
        if (gap === gap && gap > tol) g++;  // -inf - -inf is NaN: two -inf scores are tied
      }
      group[order[k]] = g;
      sizes[g] = (sizes[g] || 0) + 1;
    }
    var before = [0];
    for (g = 1; g < sizes.length; g++) before.push(before[g - 1] + sizes[g - 1]);
    return group.map(function (gr) {
      if (ties === "dense") return gr + 1;
      if (ties === "competition") return before[gr] + 1;
      return before[gr] + (sizes[gr] + 1) / 2.0;
    });
  }

  // -- one-weight sweeps (rankings/sensitivity/exact/sweep.py) ---------------------------
  function sweepPath(base, j) {
    var rest = base.slice();
    rest[j] = 0.0;
    var total = sum(rest);
    if (total <= 0) { rest = base.map(function () { return 1.0; }); rest[j] = 0.0; total = sum(rest); }
    return rest.map(function (x) { return x / total; });
  }
  /* What the sweeps of one focus share, whatever the weights: D = (l_k - l_f) / max|D| over the
   * rivals k (flat, row-major) and the tolerance in the same units (_Setup.scaled in Python). */
  function sweepSetup(L, f) {
    var n = L.length, m = cols(L), maxL = 0, i, k;
    for (i = 0; i < n; i++) for (k = 0; k < m; k++) maxL = Math.max(maxL, Math.abs(L[i][k]));
    var tol = RELATIVE_TOLERANCE * maxL + 1e-12, rivals = [], D = new Float64Array((n - 1) * m), scale = 0, q = 0;
    for (i = 0; i < n; i++) {
      if (i === f) continue;
      rivals.push(i);
      for (k = 0; k < m; k++) { var d = L[i][k] - L[f][k]; D[q * m + k] = d; scale = Math.max(scale, Math.abs(d)); }
      q++;
    }
    if (scale <= 0) { D.fill(0.0); tol = 1.0; }
    else { for (q = 0; q < D.length; q++) D[q] = D[q] / scale; tol = tol / scale; }
    return { D: D, m: m, tol: tol, rivals: rivals };
  }
  /* The exact sweep of metric j (sweep.py _sweep_linear): along w(t) = t e_j + (1 - t) w^(-j), rival k
   * beats the focus where a_k + t (b_k - a_k) > tol, so it crosses at most once. The rank on each
   * interval between crossings is counted by a sweep line over the sorted crossings (each one toggles
   * its rival) instead of re-counting every rival per interval: the same counts in O(N log N). */
  function sweepMetric(setup, base, j, names) {
    var D = setup.D, m = setup.m, tol = setup.tol, R = setup.rivals.length, q, k;
    var rest = sweepPath(base, j), t0 = base[j];
    var a = new Float64Array(R), slope = new Float64Array(R), cross = new Float64Array(R), inside = [];
    for (q = 0; q < R; q++) {
      var s = 0;
      for (k = 0; k < m; k++) s += D[q * m + k] * rest[k];
      a[q] = s;
      slope[q] = D[q * m + j] - s;
      cross[q] = slope[q] !== 0 ? (tol - a[q]) / slope[q] : NaN;
      if (isFinite(cross[q]) && cross[q] > 0 && cross[q] < 1) inside.push(q);
    }
    inside.sort(function (x, y) { return cross[x] - cross[y]; });
    var pts = [0.0], toggles = [];  // toggles[p]: the change in the count when t passes pts[p + 1]
    for (var i = 0; i < inside.length; i++) {
      var t = cross[inside[i]];
      if (t !== pts[pts.length - 1]) { pts.push(t); toggles.push(0); }
      toggles[toggles.length - 1] += slope[inside[i]] > 0 ? 1 : -1;
    }
    pts.push(1.0);
    var mid = pts.length > 1 ? (pts[0] + pts[1]) / 2 : 0.5, count = 0;
    for (q = 0; q < R; q++) if (a[q] + mid * slope[q] > tol) count++;
    var intervals = [];
    for (var p = 0; p + 1 < pts.length; p++) {
      if (p > 0) count += toggles[p - 1];
      var r = 1 + count, last = intervals[intervals.length - 1];
      if (last && last[2] === r) last[1] = pts[p + 1]; else intervals.push([pts[p], pts[p + 1], r]);
    }
    // the crossings as Python sorts its (t, rival, change) tuples: inside is in t order already, so
    // only runs of equal t need ordering by name and change; built on first use (the page asks only
    // for those at the ends of the stability interval, through at(t))
    var entry = function (q) { return [cross[q], names[setup.rivals[q]], slope[q] > 0 ? "falls behind" : "passes"]; };
    var byText = function (x, y) { return (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0); };
    var allCrossings = null;
    function crossingsList() {
      if (allCrossings) return allCrossings;
      allCrossings = inside.map(entry);
      for (var run = 0; run < allCrossings.length;) {
        var stop = run + 1;
        while (stop < allCrossings.length && allCrossings[stop][0] === allCrossings[run][0]) stop++;
        if (stop - run > 1) {
          var part = allCrossings.slice(run, stop).sort(byText);
          for (var c = 0; c < part.length; c++) allCrossings[run + c] = part[c];
        }
        run = stop;
      }
      return allCrossings;
    }
    function at(t, within) {  // the crossings with |t_k - t| <= within, in the same order
      var lo = 0, hi = inside.length;
      while (lo < hi) { var mid2 = (lo + hi) >> 1; if (cross[inside[mid2]] < t - within) lo = mid2 + 1; else hi = mid2; }
      var found = [];
      for (var c = lo; c < inside.length && cross[inside[c]] <= t + within; c++) found.push(entry(inside[c]));
      return found.sort(function (x, y) { return (x[0] - y[0]) || byText(x, y); });
    }
    var baseCount = 0;
    for (q = 0; q < R; q++) if (a[q] + t0 * slope[q] > tol) baseCount++;
    var stability = [t0, t0];
    for (p = 0; p < intervals.length; p++) if (intervals[p][0] <= t0 && t0 <= intervals[p][1]) { stability = [intervals[p][0], intervals[p][1]]; break; }
    var result = { baseWeight: t0, baseRank: 1 + baseCount, intervals: intervals, stability: stability, at: at };
    Object.defineProperty(result, "crossings", { get: crossingsList, enumerable: true });
    return result;
  }
  /* The exact sweep of metric j for focus f on the linear form L, base weights summing to 1. */
  function sweep(L, base, f, j, names) { return sweepMetric(sweepSetup(L, f), base, j, names); }

  function normalize(name, X, higher, params) {
    if (!NORMALIZERS[name]) throw new FormulaError("the page cannot compute normalisation " + name);
    return NORMALIZERS[name](X, higher, params || {});
  }
  function aggregate(name, Z, w, params) {
    if (!AGGREGATIONS[name]) throw new FormulaError("the page cannot compute aggregation " + name);
    return AGGREGATIONS[name](Z, w, params || {});
  }
  function linearForm(name, Z) { return LINEAR_FORMS[name] ? LINEAR_FORMS[name](Z) : null; }
  /* A plain left-to-right sum. numpy may add in another order (pairwise, SIMD lanes); the
   * results then differ in the last bits only, far below the tie tolerance of rankScores. */
  function sum(a) { var s = 0.0; for (var i = 0; i < a.length; i++) s += a[i]; return s; }
  /* Raw weights -> weights summing to 1, as Methodology.weights_for does (Python's sum; null when all zero). */
  function rescale(raw) {
    var total = 0;
    for (var j = 0; j < raw.length; j++) total += raw[j];
    return total > 0 ? raw.map(function (x) { return x / total; }) : null;
  }
  /* A weight row rescaled again as Methodology.score_matrix and the exact analyses do (numpy's sum). */
  function rescaleRow(w) { var total = sum(w); return w.map(function (x) { return x / total; }); }
  /* What the CLI scores with: weights_for, then score_matrix's own rescaling. */
  function scoringWeights(raw) { var w = rescale(raw); return w && rescaleRow(w); }

  return {
    FormulaError: FormulaError, normalize: normalize, aggregate: aggregate, linearForm: linearForm,
    rankScores: rankScores, tieTolerance: tieTolerance, averageRanks: averageRanks, sweep: sweep,
    sweepSetup: sweepSetup, sweepMetric: sweepMetric,
    rescale: rescale, rescaleRow: rescaleRow, scoringWeights: scoringWeights, sum: sum,
    NORMALIZATIONS: Object.keys(NORMALIZERS), AGGREGATIONS: Object.keys(AGGREGATIONS)
  };
})();
