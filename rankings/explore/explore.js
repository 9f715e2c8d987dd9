/* The explore page: controls, live re-ranking, sweeps beside each slider, the URL fragment.
 * Every formula comes from formulas.js; every name from the data enters the page through
 * textContent or an attribute value, never as markup.
 */
"use strict";
(function () {
  var D = JSON.parse(document.getElementById("explore-data").textContent);
  var ROWS_SHOWN = 100;
  var state = null, cache = {}, last = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  /* Numbers as the CLI's text tables print them (rankings/cli/common.py _num). */
  function num(v) {
    if (v === null || v === undefined || v !== v) return "-";
    if (!isFinite(v)) return v < 0 ? "-inf" : "inf";
    if (Number.isInteger(v) && Math.abs(v) < 1e12) return String(v);
    if (Math.abs(v) >= 1000) return v.toFixed(1);
    if (Math.abs(v) >= 1) return v.toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
    return v ? v.toFixed(4).replace(/0+$/, "").replace(/\.$/, "") : "0";
  }
  function pct(v) { return (100 * v).toFixed(1) + "%"; }
  /* shlex.quote: a word the shell reads back unchanged. */
  function quote(word) {
    word = String(word);
    if (word === "") return "''";
    if (!/[^\w@%+=:,./-]/.test(word)) return word;
    return "'" + word.replace(/'/g, "'\"'\"'") + "'";
  }

  function lens() { return D.lenses[state.lens]; }
  function metricNames() { return lens().metrics.map(function (m) { return m.name; }); }
  function baseWeights() { return lens().metrics.map(function (m) { return D.methodology.weights[m.name] || 0; }); }
  function usable(i) { return D.lenses[i] && !D.lenses[i].error; }
  function defaults() {
    var first = 0;
    while (!usable(first)) first++;
    state = { lens: first, n: D.methodology.normalize, a: D.methodology.aggregate, t: D.ties, f: D.focus, all: false };
    state.w = baseWeights();
  }

  // -- the URL fragment holds the whole state ------------------------------------------
  function toFragment() {
    var parts = ["lens=" + state.lens, "n=" + encodeURIComponent(state.n), "a=" + encodeURIComponent(state.a),
                 "t=" + state.t, "w=" + state.w.map(String).join(",")];
    if (state.f !== null) parts.push("f=" + encodeURIComponent(state.f));
    if (state.all) parts.push("all=1");
    return "#" + parts.join("&");
  }
  function fromFragment(hash) {
    var problems = [], params = {};
    hash.replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) return;
      var eq = part.indexOf("=");
      try { params[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1)); } catch (e) { problems.push(part); }
    });
    if (params.lens !== undefined) {
      var i = Number(params.lens);
      if (Number.isInteger(i) && usable(i)) state.lens = i; else problems.push("lens " + params.lens);
    }
    if (params.n !== undefined) { if (lens().normalizations[params.n]) state.n = params.n; else problems.push("normalisation " + params.n); }
    if (params.a !== undefined) { if (D.aggregations[params.a]) state.a = params.a; else problems.push("aggregation " + params.a); }
    if (params.t !== undefined) { if (["competition", "dense", "average"].indexOf(params.t) >= 0) state.t = params.t; else problems.push("tie rule " + params.t); }
    state.w = baseWeights();
    if (params.w !== undefined) {
      var w = params.w.split(",").map(Number);
      if (w.length === state.w.length && w.every(function (x) { return isFinite(x) && x >= 0; })) state.w = w;
      else problems.push("weights " + params.w);
    }
    if (params.f !== undefined) state.f = params.f;
    state.all = params.all === "1";
    return problems;
  }

  // -- the computation: what `rankings rank` computes -----------------------------------
  function normalized() {
    var key = state.lens + "|" + state.n;
    if (!(key in cache)) {
      var L = lens(), spec = L.normalizations[state.n];
      try {
        if (spec.error) throw new Formulas.FormulaError(spec.error);
        var higher = L.metrics.map(function (m) { return m.direction === "max"; });
        cache[key] = { Z: Formulas.normalize(state.n, L.values, higher, spec.params) };
      } catch (e) { cache[key] = { error: String(e.message || e) }; }
    }
    return cache[key];
  }
  function linearForm(Z) {
    var key = state.lens + "|" + state.n + "|" + state.a + "|L";
    if (!(key in cache)) cache[key] = Formulas.linearForm(state.a, Z);
    return cache[key];
  }
  function compute() {
    var L = lens(), out = { names: L.contributors };
    var z = normalized();
    if (z.error) { out.error = z.error; return out; }
    var agg = D.aggregations[state.a];
    if (agg.error) { out.error = agg.error; return out; }
    var w = Formulas.scoringWeights(state.w);
    if (!w) { out.error = "weights must not all be zero: raise one slider"; return out; }
    try { out.scores = Formulas.aggregate(state.a, z.Z, w, agg.params); }
    catch (e) { out.error = String(e.message || e); return out; }
    out.ranks = Formulas.rankScores(out.scores, state.t);
    out.order = out.names.map(function (_, i) { return i; }).sort(function (a, b) {
      return (out.ranks[a] - out.ranks[b]) || (out.names[a] < out.names[b] ? -1 : out.names[a] > out.names[b] ? 1 : 0);
    });
    out.focus = state.f === null ? -1 : L.contributors.indexOf(state.f);
    out.weights = w;
    if (out.focus >= 0 && agg.linear && w.length > 1) {
      var lf = linearForm(z.Z), key = state.lens + "|" + state.n + "|" + state.a + "|" + out.focus + "|setup";
      if (lf && !(key in cache)) cache[key] = Formulas.sweepSetup(lf, out.focus);
      if (lf) out.sweeps = w.map(function (_, j) { return Formulas.sweepMetric(cache[key], w, j, out.names); });
      else out.sweepNote = "the geometric mean is linear in the weights (in logs) only when every normalised value is positive; here one is 0, so the page shows no exact intervals";
    } else if (out.focus >= 0 && !agg.linear) {
      out.sweepNote = state.a + " is not linear in the weights: no exact intervals (rankings sweep samples a grid for it)";
    }
    return out;
  }

  // -- drawing ----------------------------------------------------------------------------
  function buildControls() {
    var lensSelect = clear($("lens"));
    D.lenses.forEach(function (L, i) {
      var option = el("option", { value: i }, L.label + (L.error ? " (unavailable)" : ""));
      if (L.error) option.disabled = true;
      lensSelect.appendChild(option);
    });
    var nSelect = clear($("normalize"));
    Object.keys(lens().normalizations).forEach(function (name) {
      var spec = lens().normalizations[name], option = el("option", { value: name }, name + (spec.error ? " (needs options)" : ""));
      if (spec.error) option.disabled = true;
      nSelect.appendChild(option);
    });
    var aSelect = clear($("aggregate"));
    Object.keys(D.aggregations).forEach(function (name) {
      var option = el("option", { value: name }, name + (D.aggregations[name].error ? " (CLI only)" : ""));
      if (D.aggregations[name].error) option.disabled = true;
      aSelect.appendChild(option);
    });
    var fSelect = clear($("focus"));
    fSelect.appendChild(el("option", { value: "" }, "(none)"));
    lens().contributors.slice().sort().forEach(function (name) { fSelect.appendChild(el("option", { value: name }, name)); });
    var box = clear($("sliders"));
    lens().metrics.forEach(function (m, j) {
      var row = el("div", { "class": "slider" });
      var label = el("label", { "for": "w-" + j });
      label.appendChild(el("span", { "class": "metric" }, m.name));
      label.appendChild(el("span", { "class": "share", id: "share-" + j }));
      row.appendChild(label);
      var line = el("div", { "class": "line" });
      line.appendChild(el("input", { type: "range", id: "w-" + j, min: "0", max: "1", step: "0.001",
                                     "aria-describedby": "sweep-" + j, "data-metric": m.name }));
      line.appendChild(el("input", { type: "number", id: "wn-" + j, min: "0", step: "any", "class": "exact",
                                     "aria-label": m.name + " weight, exact value" }));
      row.appendChild(line);
      row.appendChild(el("div", { "class": "band", id: "band-" + j, "aria-hidden": "true" }));
      row.appendChild(el("p", { "class": "sweep", id: "sweep-" + j }));
      box.appendChild(row);
      $("w-" + j).addEventListener("input", function (ev) { state.w[j] = Number(ev.target.value); update(); });
      $("wn-" + j).addEventListener("change", function (ev) {
        var v = Number(ev.target.value);
        if (isFinite(v) && v >= 0) { state.w[j] = v; update(); } else ev.target.value = String(state.w[j]);
      });
    });
    var avail = clear($("lens-list"));
    D.lenses.forEach(function (L) {
      var item = el("li", null, L.label + ": " + L.data_text);
      if (L.error) item.appendChild(el("span", { "class": "why" }, " (unavailable: " + L.error + ")"));
      avail.appendChild(item);
    });
  }
  function syncControls() {
    $("lens").value = String(state.lens);
    $("normalize").value = state.n;
    $("aggregate").value = state.a;
    $("ties").value = state.t;
    $("focus").value = state.f !== null && lens().contributors.indexOf(state.f) >= 0 ? state.f : "";
    $("show-all").checked = state.all;
    var w = Formulas.rescale(state.w);
    state.w.forEach(function (x, j) {
      $("w-" + j).value = String(Math.min(x, 1));
      $("wn-" + j).value = String(x);
      $("share-" + j).textContent = w ? " weight " + num(x) + " = " + pct(w[j]) + " of the total" : " weight " + num(x);
    });
  }
  /* The table: header rebuilt when the metrics change, rows reused from one move to the next. */
  var tableKey = null;
  function drawTable(out) {
    var L = lens(), head = $("table-head"), body = $("table-body"), names = metricNames(), key = names.join("\u0000");
    if (tableKey !== key || body.getAttribute("data-lens") !== String(state.lens)) {
      clear(head); clear(body);
      body.setAttribute("data-lens", String(state.lens));
      var tr = el("tr");
      ["rank", "contributor", "score"].concat(names).forEach(function (h) { tr.appendChild(el("th", { scope: "col" }, h)); });
      head.appendChild(tr);
      tableKey = key;
    }
    var shown = out.error ? [] : state.all ? out.order : out.order.slice(0, ROWS_SHOWN);
    if (!out.error && out.focus >= 0 && shown.indexOf(out.focus) < 0) shown = shown.concat([out.focus]);
    while (body.rows.length > shown.length) body.deleteRow(-1);
    var frag = document.createDocumentFragment();
    for (var k = body.rows.length; k < shown.length; k++) {
      var row = el("tr");
      row.appendChild(el("td", { "class": "num" }));
      row.appendChild(el("th", { scope: "row" }));
      row.appendChild(el("td", { "class": "num" }));
      names.forEach(function () { row.appendChild(el("td", { "class": "num" })); });
      frag.appendChild(row);
    }
    body.appendChild(frag);
    shown.forEach(function (i, k) {
      var row = body.rows[k], cells = row.children, isFocus = i === out.focus;
      row.className = isFocus ? "focus" : "";
      if (isFocus) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
      cells[0].textContent = num(out.ranks[i]);
      cells[2].textContent = num(out.scores[i]);
      if (row.getAttribute("data-row") === String(i)) return;  // the same contributor: its values are drawn
      row.setAttribute("data-row", String(i));
      cells[1].textContent = out.names[i];
      L.values[i].forEach(function (v, j) {
        var cell = cells[3 + j], filled = L.observed[i][j] === null;
        cell.textContent = num(v) + (filled ? "*" : "");
        cell.className = filled ? "num filled" : "num";
        if (filled) cell.title = "filled by the missing rule " + D.methodology.missing + ": not an observed value";
        else cell.removeAttribute("title");
      });
    });
    var hidden = out.error ? 0 : out.order.length - Math.min(out.order.length, ROWS_SHOWN);
    $("rows-note").textContent = !state.all && hidden > 0 ? hidden + " more rows: tick \u201cshow every row\u201d" : "";
  }
  function rankText(r) { return num(r); }
  function drawSweeps(out) {
    lens().metrics.forEach(function (m, j) {
      var band = clear($("band-" + j)), text = $("sweep-" + j);
      if (!out.sweeps) {
        band.style.background = "";
        ["data-lo", "data-hi", "data-rank", "data-next-up"].forEach(function (a) { text.removeAttribute(a); });
        text.textContent = out.error ? "" : (out.focus < 0 ? "No focus: choose one to see its flips." : out.sweepNote || "");
        return;
      }
      var s = out.sweeps[j], rest = 0;
      state.w.forEach(function (x, k) { if (k !== j) rest += x; });
      // the slider moves the raw weight r; its share is t = r / (r + rest)
      var toRaw = function (t) { return t >= 1 ? Infinity : rest * t / (1 - t); };
      // one gradient per band (a span per interval would cost thousands of nodes per move on a large table)
      var stops = [], colors = { same: "var(--same)", better: "var(--better)", worse: "var(--worse)" }, run = null;
      var flush = function () { if (run) stops.push(colors[run.kind] + " " + (100 * run.lo).toFixed(3) + "% " + (100 * run.hi).toFixed(3) + "%"); };
      s.intervals.forEach(function (iv) {
        var lo = rest > 0 ? Math.min(toRaw(iv[0]), 1) : 0, hi = rest > 0 ? Math.min(toRaw(iv[1]), 1) : 1;
        if (hi <= lo) return;
        var kind = iv[2] === s.baseRank ? "same" : iv[2] < s.baseRank ? "better" : "worse";
        if (run && run.kind === kind) run.hi = hi; else { flush(); run = { kind: kind, lo: lo, hi: hi }; }  // one stop per run of a kind
        if (hi - lo > 0.06) band.appendChild(el("span", { "class": "seg " + kind, style: "left:" + (100 * lo) + "%;width:" + (100 * (hi - lo)) + "%" }, String(iv[2])));
      });
      flush();
      band.style.background = stops.length ? "linear-gradient(to right, " + stops.join(", ") + ")" : "";
      band.appendChild(el("span", { "class": "mark", style: "left:" + (100 * Math.min(state.w[j], 1)) + "%" }));
      var a = s.stability[0], b = s.stability[1];
      var parts = ["Rank " + rankText(s.baseRank) + " while its share stays in [" + num(a) + ", " + num(b) + "]"];
      if (rest > 0) parts[0] += " (slider " + num(toRaw(a)) + " to " + (b >= 1 ? "any" : num(toRaw(b))) + ")";
      parts[0] += "; ranks " + Math.min.apply(null, s.intervals.map(function (iv) { return iv[2]; })) + "\u2013" +
                  Math.max.apply(null, s.intervals.map(function (iv) { return iv[2]; })) + " over shares 0..1.";
      var up = b < 1 ? s.at(b, 1e-12) : [], down = a > 0 ? s.at(a, 1e-12) : [];
      var after = function (t) { for (var k = 0; k < s.intervals.length; k++) if (s.intervals[k][0] <= t && t < s.intervals[k][1]) return s.intervals[k][2]; return null; };
      if (up.length) parts.push("Raising it: at " + num(b) + " " + state.f + " " + up.map(function (c) { return c[2] + " " + c[1]; }).join(", ") +
                               " (rank " + after(b + 1e-12) + ").");
      if (down.length) parts.push("Lowering it: at " + num(a) + " " + state.f + " " + down.map(function (c) {
        return (c[2] === "passes" ? "falls behind " : "passes ") + c[1]; }).join(", ") + " (rank " + after(Math.max(a - 1e-9, 0)) + ").");
      if (!up.length && !down.length) parts.push("No flip anywhere on this slider.");
      text.textContent = parts.join(" ");
      text.setAttribute("data-lo", String(a));
      text.setAttribute("data-hi", String(b));
      text.setAttribute("data-rank", String(s.baseRank));
      text.setAttribute("data-next-up", up.map(function (c) { return c[1]; }).join("\n"));
    });
  }
  function weightsText(weights) {
    return metricNames().map(function (m) { return m + " " + pct(weights[m] || 0); }).join(", ");
  }
  function drawAnalyses(out) {
    var L = lens(), box = clear($("bounds"));
    var isBuild = state.f !== null && state.f === D.focus;
    var same = state.n === D.methodology.normalize && state.a === D.methodology.aggregate;
    if (!isBuild || !L.bounds || L.bounds.error) {
      box.appendChild(el("p", null, !isBuild ? "Bounds were computed at build time for " + (D.focus === null ? "no focus" : D.focus) + " only." :
                                     "Not available: " + (L.bounds ? L.bounds.error : "no bounds")));
    } else {
      var B = L.bounds;
      box.appendChild(el("p", { "class": "lede" }, "Over every weighting, " + D.focus + " can rank from " + B.best + " to " + B.worst +
                          " (" + (B.exact ? "exact; " + B.solver + (B.proven ? ", proven optimal" : ", not proven") : B.solver) + ")."));
      [["best", B.best, B.best_weights], ["worst", B.worst, B.worst_weights]].forEach(function (side) {
        var p = el("p", { "class": "witness" });
        p.appendChild(el("strong", null, (side[0] === "best" ? "Best" : "Worst") + " rank " + side[1] + ": "));
        p.appendChild(document.createTextNode(weightsText(side[2]) + " "));
        var button = el("button", { type: "button", id: "set-" + side[0] }, "Set these weights");
        button.addEventListener("click", function () {
          state.w = metricNames().map(function (m) { return side[2][m] || 0; });
          state.n = D.methodology.normalize; state.a = D.methodology.aggregate;
          update();
        });
        p.appendChild(button);
        box.appendChild(p);
      });
      box.appendChild(el("p", { "class": "small" }, "For " + D.methodology.normalize + " + " + D.methodology.aggregate +
        (same ? "" : " (the page now shows " + state.n + " + " + state.a + ": these bounds are not for it)") + ". Reproduce: "));
      box.appendChild(el("code", null, B.command));
    }
    var acc = clear($("acceptability"));
    if (!isBuild || !L.acceptability || L.acceptability.error) {
      acc.appendChild(el("p", null, !isBuild ? "Rank acceptability was sampled at build time for " + (D.focus === null ? "no focus" : D.focus) + " only." :
                                     "Not available: " + (L.acceptability ? L.acceptability.error : "none")));
      return;
    }
    var A = L.acceptability, list = el("ul", { "class": "bars" });
    A.ranks.forEach(function (r) {
      var item = el("li");
      item.appendChild(el("span", { "class": "label" }, "rank " + r.rank));
      var bar = el("span", { "class": "bar", role: "img", "aria-label": "rank " + r.rank + ": " + pct(r.p) });
      bar.appendChild(el("span", { "class": "fill", style: "width:" + (100 * r.p) + "%" }));
      item.appendChild(bar);
      item.appendChild(el("span", { "class": "p" }, pct(r.p) + " \u00b1 " + pct(r.se)));
      list.appendChild(item);
    });
    acc.appendChild(el("p", null, "P(" + D.focus + " takes each rank) when the weights are drawn uniformly from the simplex: " +
                       A.samples + " seeded runs (seed " + A.seed + ") of " + D.methodology.normalize + " + " + D.methodology.aggregate + "."));
    acc.appendChild(list);
    acc.appendChild(el("p", { "class": "small" }, "Reproduce: "));
    acc.appendChild(el("code", null, A.command));
  }
  /* Rank confidence sets, the top-k answer and the uncertainty budget: computed at build time
   * (rankings.sensitivity.significance, the report's section too), for the build focus and the
   * methodology's own weights; the sentence is the report's, word for word. */
  function smallTable(head, rows, focusRow) {
    var table = el("table", { "class": "conf" }), thead = el("thead"), tr = el("tr"), body = el("tbody");
    head.forEach(function (h) { tr.appendChild(el("th", { scope: "col" }, h)); });
    thead.appendChild(tr); table.appendChild(thead);
    rows.forEach(function (cells, k) {
      var row = el("tr", k === focusRow ? { "class": "focus" } : null);
      cells.forEach(function (c, j) { row.appendChild(el(j === 0 ? "th" : "td", j === 0 ? { scope: "row" } : { "class": "num" }, c)); });
      body.appendChild(row);
    });
    table.appendChild(body);
    return table;
  }
  function setText(s) { return s ? s[0] + "\u2013" + s[1] : "-"; }
  function interval(v, ci) { return v === null ? "-" : v.toFixed(2) + " [" + ci[0].toFixed(2) + ", " + ci[1].toFixed(2) + "]"; }
  function drawConfidence() {
    var L = lens(), box = clear($("confidence")), C = L.confidence, B = L.budget;
    var isBuild = state.f !== null && state.f === D.focus;
    if (!isBuild || !C || C.error) {
      box.appendChild(el("p", null, !isBuild ? "Rank confidence sets were computed at build time for " + (D.focus === null ? "no focus" : D.focus) + " only." :
                                     "Not available: " + (C ? C.error : "not computed")));
      return;
    }
    box.appendChild(el("p", { "class": "quote", id: "confidence-sentence" }, C.sentence));
    var lv = (100 * C.level).toFixed(0) + "%";
    box.appendChild(el("p", null, "How sure is that rank, given the records themselves? " + C.bootstrap_runs +
      " bootstrap resamples (seed " + C.seed + "; " + C.resample + "), each scored with " + D.methodology.name +
      "'s own weights (" + D.methodology.normalize + " + " + D.methodology.aggregate + ", not the sliders). Method: " + C.method +
      ". A marginal set holds for " + C.focus + " alone; the simultaneous sets hold for every contributor at once, so they are wider."));
    var answer = { yes: "yes, surely", no: "no, surely not", undecided: "cannot say at this level" }[C.top_k.answer];
    box.appendChild(smallTable(["quantity", C.focus], [
      ["rank (methodology's weights)", String(C.rank)],
      [lv + " marginal rank set", setText(C.marginal)],
      [lv + " simultaneous rank set", setText(C.simultaneous)],
      ["in the top " + C.top_k.k + " at " + lv + "?", answer],
      ["surely in the top " + C.top_k.k, C.top_k.surely.length ? C.top_k.surely.join(", ") : "none"],
      ["may be in the top " + C.top_k.k, C.top_k.may_be + " of " + C.contributors + " contributor(s)"]]));
    var focusRow = -1;
    C.rows.forEach(function (r, k) { if (r.contributor === C.focus) focusRow = k; });
    box.appendChild(smallTable(["contributor", "rank", lv + " marginal", lv + " simultaneous"], C.rows.map(function (r) {
      return [r.contributor, String(r.rank), setText(r.marginal), setText(r.simultaneous)]; }), focusRow));
    C.notes.forEach(function (n) { box.appendChild(el("p", { "class": "small" }, "Note: " + n)); });
    box.appendChild(el("p", { "class": "small" }, "Reproduce: "));
    box.appendChild(el("code", null, C.command));
    box.appendChild(el("h3", null, "Uncertainty budget: the data or the method?"));
    if (!B || B.error) {
      box.appendChild(el("p", { id: "budget-missing" }, "Not available for this lens: " + (B ? B.error : "not computed") + "."));
      return;
    }
    box.appendChild(el("p", { "class": "quote", id: "budget-verdict" }, B.verdict));
    box.appendChild(el("p", null, "Share of the variance of " + C.focus + "'s rank due to each group of inputs (Sobol' indices; " +
      "a Saltelli design of " + B.base_samples + " base rows, " + B.runs + " runs, seed " + B.seed + "; ST includes interactions). " +
      "Small runs give wide intervals: read the order, not the decimals."));
    box.appendChild(smallTable(["group", "S1 [95% interval]", "ST [95% interval]"], B.groups.map(function (g) {
      return [g.group, interval(g.S1, g.S1_ci), interval(g.ST, g.ST_ci)]; })));
    if (B.note) box.appendChild(el("p", { "class": "small" }, "Note: " + B.note));
    box.appendChild(el("p", { "class": "small" }, "Reproduce: "));
    box.appendChild(el("code", null, B.command));
  }
  function command() {
    var words = ["rankings", "rank"];
    D.fixed.forEach(function (g) { if (!g.only_with || g.only_with === state.n) words = words.concat(g.words); });
    words = words.concat(lens().flags);
    words.push("--weights", metricNames().map(function (m, j) { return m + "=" + String(state.w[j]); }).join(","));
    words.push("--normalize", state.n, "--aggregate", state.a);
    if (state.t !== "competition") words.push("--ties", state.t);
    if (state.f !== null && lens().contributors.indexOf(state.f) >= 0) words.push("--focus", state.f);
    return words.map(quote).join(" ");
  }
  /* The methodology's name, with a * once the page differs from it (as the CLI names a what-if). */
  function shownName() {
    var base = baseWeights(), same = state.n === D.methodology.normalize && state.a === D.methodology.aggregate &&
      state.w.every(function (x, j) { return x === base[j]; });
    var name = D.methodology.name;
    return same || /\*$/.test(name) ? name : name + "*";
  }
  function drawSummary(out) {
    var status = $("status"), summary = $("summary");
    status.textContent = out.error ? "This choice cannot be computed: " + out.error : "";
    if (out.error) { summary.textContent = ""; return; }
    var w = Formulas.rescale(state.w);
    clear(summary);
    summary.appendChild(document.createTextNode((out.focus >= 0 ? state.f + " is ranked " + num(out.ranks[out.focus]) + " of " + out.names.length :
                           out.names.length + " contributors ranked") + " under " + shownName()));
    summary.appendChild(el("span", { "class": "detail" }, " (" + state.n + " + " + state.a + "; weights " +
      metricNames().map(function (m, j) { return m + "=" + num(Math.round(w[j] * 1000) / 1000); }).join(", ") + ")"));
    summary.appendChild(document.createTextNode("."));
    clear($("notes"));
    lens().notes.forEach(function (n) { $("notes").appendChild(el("li", null, n)); });
  }
  function update(options) {
    var t0 = performance.now(), phases = {};
    var out = compute();
    var t1 = performance.now(), mark = t1;
    [["controls", syncControls], ["summary", drawSummary], ["table", drawTable], ["sweeps", drawSweeps],
     ["analyses", drawAnalyses], ["confidence", drawConfidence], ["url", function () {
       $("command").value = command();
       $("link").value = location.href.split("#")[0] + toFragment();
       if (!(options && options.keepHash)) writeHash();
     }]].forEach(function (phase) { phase[1](out); var now = performance.now(); phases[phase[0]] = now - mark; mark = now; });
    last = { out: out, compute: t1 - t0, total: performance.now() - t0, phases: phases };
  }

  /* The fragment follows the state; while a slider is dragged it is written at most every 200 ms
   * (Chromium throttles a page that replaces its history entry hundreds of times a second). */
  var hashTimer = null;
  function writeHash() {
    if (hashTimer !== null) return;
    hashTimer = setTimeout(function () { hashTimer = null; if (location.hash !== toFragment()) history.replaceState(null, "", toFragment()); }, 200);
  }
  function copyFrom(id, button) {
    var field = $(id);
    var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = button.getAttribute("data-label"); }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { field.select(); document.execCommand("copy"); done(); });
    } else { field.select(); document.execCommand("copy"); done(); }
  }

  function start() {
    defaults();
    var problems = fromFragment(location.hash);
    buildControls();
    $("lens").addEventListener("change", function (ev) {
      var keep = state.w.slice(), before = metricNames().join(",");
      state.lens = Number(ev.target.value);
      if (!lens().normalizations[state.n] || lens().normalizations[state.n].error) state.n = D.methodology.normalize;
      buildControls();
      tableKey = null;
      if (metricNames().join(",") === before) state.w = keep; else state.w = baseWeights();
      update();
    });
    $("normalize").addEventListener("change", function (ev) { state.n = ev.target.value; update(); });
    $("aggregate").addEventListener("change", function (ev) { state.a = ev.target.value; update(); });
    $("ties").addEventListener("change", function (ev) { state.t = ev.target.value; update(); });
    $("focus").addEventListener("change", function (ev) { state.f = ev.target.value || null; update(); });
    $("show-all").addEventListener("change", function (ev) { state.all = ev.target.checked; update(); });
    $("reset").addEventListener("click", function () { defaults(); buildControls(); update(); });
    $("copy-command").addEventListener("click", function (ev) { copyFrom("command", ev.target); });
    $("copy-link").addEventListener("click", function (ev) { copyFrom("link", ev.target); });
    window.addEventListener("hashchange", function () {
      if (location.hash === toFragment()) return;
      defaults(); fromFragment(location.hash); buildControls(); update({ keepHash: true });
    });
    $("how-lens").textContent = D.how_to_lens;
    update();
    if (problems.length) $("status").textContent = "The link asked for what this page does not have (" + problems.join("; ") + "); defaults were used for it.";
  }
  /* For tests and the benchmark: the last computation and its timings. */
  window.ExplorePage = { state: function () { return state; }, last: function () { return last; }, update: update, command: command };
  start();
})();
