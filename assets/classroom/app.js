// dyadsim classroom: the page. It talks only to this server's JSON API (docs/CLASSROOM.md).
"use strict";

const SLIDERS = [
  ["buyer.champion", "Champion in the buyer"],
  ["buyer.engagement", "Buyer engagement"],
  ["relationship.goal_alignment", "Goal alignment"],
  ["supplier.invest_propensity", "Supplier's investment propensity"],
  ["supplier.portability", "Portability of learning"],
  ["buyer.power_willingness", "Buyer's willingness to use power"],
  ["buyer.alternatives", "Buyer's alternative suppliers"],
  ["supplier.outside_options", "Supplier's outside options"],
  ["relationship.value_overlap", "Value overlap (1 = zero-sum)"],
  ["supplier.trust", "Supplier's initial trust"],
  ["buyer.trust", "Buyer's initial trust"],
];
const PHASE_COLOURS = {
  preparation: "#fff3bf",
  execution: "#d3f9d8",
  integration: "#d0ebff",
  dissolved: "#e9ecef",
};
const C = { supplier: "#d9480f", buyer: "#1f5fbf", created: "#2b8a3e", dual: "#7048e8", band: "rgba(31,95,191,0.18)", run: "#1d2330" };

const $ = (id) => document.getElementById(id);
const state = {
  specs: {},          // path -> spec of /api/params
  presets: [],        // /api/presets
  a: { preset: null, params: {}, months: 60 },
  b: { preset: null, params: {}, months: 60 },
  runA: null, runB: null,
  month: 1,           // months shown
  playing: null,      // interval id
  view: "one",
  charts: {},         // id -> uPlot
  hypotheses: [],
  ensemble: null,
  lastExport: null,   // {name, text}: what the last export handed out
};
window.dyadsim = state;

// ---------------------------------------------------------------- API

let pending = 0;
function status(text, kind) {
  const s = $("status");
  s.textContent = text || "";
  s.className = kind || "";
}
async function api(path, body) {
  pending++;
  status("working…", "busy");
  try {
    const r = await fetch(path, body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const v = await r.json();
    if (!r.ok) throw new Error(v.error + (v.field ? " (" + v.field + ")" : ""));
    return v;
  } finally {
    pending--;
    if (pending === 0) status("");
  }
}
function fail(e) {
  status(e.message, "error");
  console.error("dyadsim classroom: " + e.message);
}

// ---------------------------------------------------------------- settings

function fmt(x, d = 2) {
  if (x === null || x === undefined || !isFinite(x)) return "–";
  return Number(x).toFixed(d);
}
function sliderValue(side, path) {
  const v = side.params[path];
  return v === undefined ? state.specs[path].default : v;
}
function applyPreset(side, preset) {
  side.preset = preset;
  side.params = Object.assign({}, preset.params);
  for (const [path] of SLIDERS) side.params[path] = sliderValue(side, path);
  side.months = preset.months;
}
function request(side) {
  return { params: side.params, seed: seed(), months: side.months };
}
function seed() {
  const v = parseInt($("seed").value, 10);
  return isFinite(v) && v >= 0 ? v : 1;
}

function buildSliders(container, side, onChange) {
  container.textContent = "";
  const suffix = container.id;
  for (const [path, label] of SLIDERS) {
    const spec = state.specs[path];
    const id = suffix + "-" + path.replace(/\./g, "-");
    const row = document.createElement("div");
    row.className = "slider";
    row.title = spec.meaning + " (" + path + ", default " + spec.default + ")";
    const l = document.createElement("label");
    l.htmlFor = id;
    l.textContent = label;
    const out = document.createElement("output");
    out.htmlFor = id;
    const input = document.createElement("input");
    input.type = "range";
    input.id = id;
    input.min = spec.min;
    input.max = spec.max;
    input.step = 0.01;
    input.dataset.path = path;
    input.setAttribute("aria-description", spec.meaning);
    input.value = sliderValue(side, path);
    out.textContent = fmt(input.value);
    input.addEventListener("input", () => {
      side.params[path] = Number(input.value);
      out.textContent = fmt(input.value);
      onChange();
    });
    row.append(l, out, input);
    container.append(row);
  }
}
function syncSliders(container, side) {
  for (const input of container.querySelectorAll("input[type=range]")) {
    input.value = sliderValue(side, input.dataset.path);
    input.previousElementSibling.textContent = fmt(input.value);
  }
}

function debounce(f, ms) {
  let t = null;
  return () => {
    clearTimeout(t);
    t = setTimeout(f, ms);
  };
}

// ---------------------------------------------------------------- charts

function fontPx() {
  return document.body.classList.contains("large") ? 18 : 12;
}
function axis(label, extra) {
  const f = fontPx();
  return Object.assign({
    label,
    font: f + "px system-ui, sans-serif",
    labelFont: f + "px system-ui, sans-serif",
    size: f * 4,
    labelSize: f + 8,
    stroke: "#1d2330",
    grid: { stroke: "#eceef2" },
  }, extra || {});
}
function width(el) {
  return Math.max(240, el.clientWidth || el.parentElement.clientWidth || 400);
}
function height() {
  return document.body.classList.contains("large") ? 300 : 200;
}

// Phase backgrounds, L/M/H bands and story markers, drawn under/over the series.
function phasePlugin(getRun, opts) {
  return {
    hooks: {
      drawClear: [(u) => {
        const run = getRun();
        if (!run) return;
        const ctx = u.ctx;
        const top = u.bbox.top, h = u.bbox.height;
        ctx.save();
        for (const row of run.trace) {
          if (row.month > state.month) break;
          const x0 = u.valToPos(row.month - 0.5, "x", true);
          const x1 = u.valToPos(row.month + 0.5, "x", true);
          ctx.fillStyle = PHASE_COLOURS[row.phase];
          ctx.fillRect(x0, top, x1 - x0, h);
        }
        ctx.restore();
      }],
      draw: [(u) => {
        const run = getRun();
        if (!run) return;
        const ctx = u.ctx;
        const px = window.devicePixelRatio || 1;
        ctx.save();
        if (opts && opts.levels) {
          ctx.setLineDash([6 * px, 4 * px]);
          ctx.strokeStyle = "#868e96";
          ctx.fillStyle = "#495057";
          ctx.font = (fontPx() * px) + "px system-ui, sans-serif";
          const xr = u.bbox.left + u.bbox.width - 16 * px;
          for (const [v, below, above] of [[run.levels.low, "L", null], [run.levels.high, "M", "H"]]) {
            const y = u.valToPos(v, "y", true);
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
            ctx.fillText(below, xr, y + fontPx() * px + 2);
            if (above) ctx.fillText(above, xr, y - 4 * px);
          }
          ctx.setLineDash([]);
        }
        // Story markers.
        ctx.fillStyle = "#1d2330";
        ctx.strokeStyle = "rgba(29,35,48,0.35)";
        ctx.font = "bold " + (fontPx() * px * 0.9) + "px system-ui, sans-serif";
        ctx.textAlign = "center";
        for (const m of run.markers) {
          if (m.month > state.month) break;
          const x = u.valToPos(m.month, "x", true);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          if (opts && opts.labels) {
            ctx.fillText("▼" + m.n, x, u.bbox.top + fontPx() * px);
          }
        }
        ctx.restore();
      }],
    },
  };
}

function lineChart(id, series, axes, getRun, opts) {
  const el = $(id);
  if (state.charts[id]) state.charts[id].destroy();
  el.textContent = "";
  const o = {
    width: width(el),
    height: height(),
    scales: Object.assign({ x: { time: false, range: () => [1, Math.max(2, (getRun() || { months: 60 }).months)] } }, opts.scales || {}),
    series: [{ label: "month" }].concat(series),
    axes: [axis("month")].concat(axes),
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    plugins: getRun ? [phasePlugin(getRun, opts)] : [],
    bands: opts.bands || [],
  };
  const empty = [[]].concat(series.map(() => []));
  state.charts[id] = new uPlot(o, empty, el);
  return state.charts[id];
}

function upTo(run, key, f) {
  const out = [];
  for (const row of run.trace) {
    if (row.month > state.month) break;
    out.push(f ? f(row) : row[key]);
  }
  return out;
}
function dualOf(row) {
  return row.value_created > 0 ? (row.value_supplier + row.value_buyer) / row.value_created : null;
}

function oneCharts(prefix, getRun, full) {
  const sc = (min, max) => ({ range: [min, max] });
  lineChart(prefix + "asym", [
    { label: "asymmetry", stroke: C.run, width: 2.5 },
  ], [axis("asymmetry")], getRun, { scales: { y: sc(-1, 1) }, levels: true, labels: true });
  if (full) {
    lineChart(prefix + "dep", [
      { label: "supplier's dependence", stroke: C.supplier, width: 2 },
      { label: "buyer's dependence", stroke: C.buyer, width: 2 },
    ], [axis("dependence")], getRun, { scales: { y: sc(0, 1) } });
    lineChart(prefix + "trust", [
      { label: "supplier's trust", stroke: C.supplier, width: 2 },
      { label: "buyer's trust", stroke: C.buyer, width: 2 },
    ], [axis("trust")], getRun, { scales: { y: sc(0, 1) } });
  }
  lineChart(prefix + "value", [
    { label: "created", stroke: C.created, width: 2 },
    { label: "supplier kept", stroke: C.supplier, width: 2 },
    { label: "buyer kept", stroke: C.buyer, width: 2 },
    { label: "dual index", stroke: C.dual, width: 2, dash: [8, 4], scale: "dual" },
  ], [axis("kEUR"), axis("dual index", { side: 1, scale: "dual", grid: { show: false } })], getRun,
  { scales: { dual: sc(0, 2) } });
  lineChart(prefix + "cash", [
    { label: "supplier's cash", stroke: C.supplier, width: 2, fill: "rgba(217,72,15,0.08)" },
  ], [axis("kEUR")], getRun, {});
}

function drawRun(prefix, run, full) {
  if (!run) return;
  const x = upTo(run, "month");
  const set = (id, cols) => state.charts[prefix + id] && state.charts[prefix + id].setData([x].concat(cols));
  set("asym", [upTo(run, "asymmetry")]);
  if (full) {
    set("dep", [upTo(run, "supplier_dependence"), upTo(run, "buyer_dependence")]);
    set("trust", [upTo(run, "supplier_trust"), upTo(run, "buyer_trust")]);
  }
  set("value", [upTo(run, "value_created"), upTo(run, "value_supplier"), upTo(run, "value_buyer"), upTo(run, null, dualOf)]);
  set("cash", [upTo(run, "supplier_cash")]);
}

// ---------------------------------------------------------------- the story

// Number the months whose story says more than the half-yearly status line.
function withMarkers(run) {
  run.markers = [];
  let n = 0;
  for (const row of run.trace) {
    row.marks = [];
    for (const text of row.narrative) {
      const routine = text.startsWith("asymmetry ");
      if (!routine) {
        n++;
        row.marks.push(n);
      } else {
        row.marks.push(null);
      }
    }
    if (row.marks.some((m) => m !== null)) run.markers.push({ month: row.month, n: row.marks.find((m) => m !== null) });
  }
  return run;
}

function drawFeed(el, run) {
  el.textContent = "";
  if (!run) return;
  let last = null;
  for (const row of run.trace) {
    if (row.month > state.month) break;
    row.narrative.forEach((text, i) => {
      const li = document.createElement("li");
      if (row.month === state.month) li.className = "now";
      const m = document.createElement("span");
      m.className = "m";
      m.textContent = "month " + row.month;
      li.append(m);
      if (row.marks[i] !== null) {
        const n = document.createElement("span");
        n.className = "n";
        n.textContent = row.marks[i];
        li.append(n);
      }
      li.append(document.createTextNode(text));
      el.append(li);
      last = li;
    });
  }
  if (state.month >= run.trace.length) {
    const li = document.createElement("li");
    li.textContent = run.end;
    li.className = "now";
    el.append(li);
    last = li;
  }
  if (last) el.scrollTop = el.scrollHeight;
}

function rowAt(run) {
  if (!run || run.trace.length === 0 || state.month < 1) return null;
  return run.trace[Math.min(state.month, run.trace.length) - 1];
}

function drawReadout() {
  const run = state.runA;
  if (!run) return;
  const r = rowAt(run);
  const lived = Math.min(state.month, run.trace.length);
  $("month-readout").dataset.month = lived;
  $("intro").textContent = run.intro;
  $("dual-end").dataset.value = "";
  if (!r) {
    $("month-readout").textContent = "Month 0 of " + run.months + " · press Step or Play";
    for (const id of ["readout-asym", "readout-level", "readout-share", "dual-now", "dual-end", "readout-end"]) $(id).textContent = "";
    return;
  }
  $("month-readout").textContent = "Month " + lived + " of " + run.months + " · " + r.phase;
  const asym = $("readout-asym");
  asym.textContent = (r.asymmetry >= 0 ? "+" : "") + fmt(r.asymmetry, 3);
  asym.dataset.value = r.asymmetry;
  $("readout-level").textContent = "(" + r.level + ")";
  $("readout-share").textContent = fmt(100 * r.supplier_share, 0) + "%";
  const dn = dualOf(r);
  $("dual-now").textContent = fmt(dn);
  $("dual-now").dataset.value = dn === null ? "" : dn;
  const de = run.outcome.metrics.dual_index;
  $("dual-end").textContent = fmt(de);
  $("dual-end").dataset.value = de === null ? "" : de;
  $("readout-end").textContent = state.month >= run.trace.length
    ? "ended: " + run.outcome.end_reason.replace(/_/g, " ") + ", path " + run.outcome.path : "";
}

// The sliders of a side that differ from its preset, e.g. "champion in the buyer 0.90".
function changes(side) {
  if (!side.preset) return "";
  const out = [];
  for (const [path, label] of SLIDERS) {
    const base = side.preset.params[path] === undefined ? state.specs[path].default : side.preset.params[path];
    if (Math.abs(sliderValue(side, path) - base) > 1e-9) out.push(label.toLowerCase() + " " + fmt(sliderValue(side, path)));
  }
  return out.length ? "with " + out.join(", ") : "";
}

function drawSide(which) {
  const run = which === "a" ? state.runA : state.runB;
  if (!run) return;
  $("changed-" + which).textContent = changes(which === "a" ? state.a : state.b);
  if (which === "a" && state.a.preset) $("name-a").textContent = state.a.preset.name + " (the settings on the left)";
  drawRun("chart-" + which + "-", run, false);
  drawFeed($("feed-" + which), run);
  const lived = Math.min(state.month, run.trace.length);
  const r = rowAt(run);
  $("month-" + which).textContent = "Month " + lived + (r ? " · " + r.phase : "");
  $("dual-end-" + which).textContent = fmt(run.outcome.metrics.dual_index);
  $("end-" + which).textContent = state.month >= run.trace.length
    ? run.outcome.end_reason.replace(/_/g, " ") + " after " + run.outcome.months + " months" : "";
}

function drawAll() {
  if (state.view === "one") {
    drawRun("chart-", state.runA, true);
    drawFeed($("feed"), state.runA);
    drawReadout();
  } else if (state.view === "two") {
    drawReadout();
    drawSide("a");
    drawSide("b");
  } else {
    drawReadout();
  }
}

// ---------------------------------------------------------------- loading runs

let runSerial = 0;
async function loadRuns() {
  const serial = ++runSerial;
  try {
    const a = await api("api/run", request(state.a));
    const b = state.view === "two" ? await api("api/run", request(state.b)) : null;
    if (serial !== runSerial) return;
    state.runA = withMarkers(a);
    if (b) state.runB = withMarkers(b);
    state.month = Math.min(Math.max(state.month, 0), a.months);
    drawAll();
    if (state.view === "band") loadEnsemble();
  } catch (e) {
    fail(e);
  }
}
const reload = debounce(loadRuns, 120);

// ---------------------------------------------------------------- player

function maxMonth() {
  const ms = [state.runA, state.view === "two" ? state.runB : null].filter(Boolean).map((r) => r.trace.length);
  return ms.length ? Math.max(...ms) : 1;
}
function stepOnce() {
  if (state.month < maxMonth()) {
    state.month++;
    drawAll();
    return true;
  }
  return false;
}
function stop() {
  if (state.playing) clearInterval(state.playing);
  state.playing = null;
  $("play").textContent = "▶ Play";
  $("play").setAttribute("aria-pressed", "false");
}
function play() {
  if (state.playing) return stop();
  if (state.month >= maxMonth()) state.month = 0;
  const speed = Number($("speed").value);
  $("play").textContent = "⏸ Pause";
  $("play").setAttribute("aria-pressed", "true");
  state.playing = setInterval(() => {
    if (!stepOnce()) stop();
  }, 1000 / speed);
}

// ---------------------------------------------------------------- side by side

function setB(preset) {
  applyPreset(state.b, preset);
  $("preset-b").value = preset.id;
  syncSliders($("sliders-b"), state.b);
  $("name-a").textContent = state.a.preset ? state.a.preset.name + " (the settings on the left)" : "the settings on the left";
}

// ---------------------------------------------------------------- ensemble

let ensembleSerial = 0;
async function loadEnsemble() {
  const serial = ++ensembleSerial;
  const runs = Math.min(20000, Math.max(10, parseInt($("runs").value, 10) || 1000));
  const t0 = performance.now();
  try {
    const e = await api("api/ensemble", Object.assign(request(state.a), { runs }));
    if (serial !== ensembleSerial) return;
    state.ensemble = e;
    $("band-note").textContent = e.runs + " runs in " + Math.round(performance.now() - t0) + " ms";
    drawEnsemble();
  } catch (err) {
    fail(err);
  }
}

function bandChart(id, metric, label, range) {
  const e = state.ensemble, run = state.runA;
  const x = e.mean[metric].map((_, i) => i + 1);
  const own = x.map((m) => (m <= run.trace.length ? run.trace[m - 1][metric] : null));
  const u = lineChart(id, [
    { label: "10th pct", stroke: "rgba(31,95,191,0.5)", width: 1, points: { show: false } },
    { label: "90th pct", stroke: "rgba(31,95,191,0.5)", width: 1, points: { show: false } },
    { label: "median", stroke: C.buyer, width: 1.5, dash: [6, 4], points: { show: false } },
    { label: "this dyad", stroke: C.supplier, width: 3, points: { show: false } },
  ], [axis(label)], null, {
    scales: Object.assign({ x: { time: false, range: [1, e.months] } }, range ? { y: { range } } : {}),
    bands: [{ series: [2, 1], fill: C.band }],
  });
  u.setData([x, e.p10[metric], e.p90[metric], e.p50[metric], own]);
}

function drawEnsemble() {
  const e = state.ensemble, run = state.runA;
  if (!e || !run) return;
  bandChart("chart-band-asym", "asymmetry", "asymmetry", [-1, 1]);
  bandChart("chart-band-trust", "supplier_trust", "trust", [0, 1]);
  bandChart("chart-band-share", "supplier_share", "share", [0, 1]);
  bandChart("chart-band-cash", "supplier_cash", "kEUR");
  const x = e.phase_share.preparation.map((_, i) => i + 1);
  const u = lineChart("chart-band-phase", [
    { label: "preparation", stroke: "#e0a800", width: 2, points: { show: false } },
    { label: "execution", stroke: "#2b8a3e", width: 2, points: { show: false } },
    { label: "integration", stroke: "#1f5fbf", width: 2, points: { show: false } },
    { label: "dissolved", stroke: "#868e96", width: 2, points: { show: false } },
  ], [axis("share of dyads")], null, { scales: { x: { time: false, range: [1, e.months] }, y: { range: [0, 1] } } });
  u.setData([x, e.phase_share.preparation, e.phase_share.execution, e.phase_share.integration, e.phase_share.dissolved]);
  const rows = [
    ["dissolved", "relationship ended", 100, "%"],
    ["supplier_exit", "supplier left", 100, "%"],
    ["buyer_exit", "buyer left", 100, "%"],
    ["supplier_insolvency", "supplier insolvent", 100, "%"],
    ["reached_integration", "reached integration", 100, "%"],
    ["value_created", "value created", 1, " kEUR"],
    ["value_supplier", "kept by the supplier", 1, " kEUR"],
    ["value_buyer", "kept by the buyer", 1, " kEUR"],
    ["dual_index", "dual index", 1, ""],
    ["months_locked_in", "months locked in", 1, ""],
    ["supplier_cash", "supplier's cash at the end", 1, " kEUR"],
  ];
  const t = $("band-outcomes");
  t.textContent = "";
  const head = t.insertRow();
  for (const h of ["outcome", "this dyad", "ensemble mean", "95% CI"]) {
    const th = document.createElement("th");
    th.textContent = h;
    head.append(th);
  }
  for (const [k, label, scale, unit] of rows) {
    const o = e.outcomes[k], mine = run.outcome.metrics[k];
    const d = scale === 100 ? 0 : (k === "dual_index" ? 2 : 0);
    const tr = t.insertRow();
    for (const text of [label, mine === null ? "–" : fmt(mine * scale, d) + unit,
      fmt(o.mean * scale, d === 0 && scale === 100 ? 1 : d) + unit,
      fmt(o.ci_low * scale, d === 0 && scale === 100 ? 1 : d) + " … " + fmt(o.ci_high * scale, d === 0 && scale === 100 ? 1 : d)]) {
      tr.insertCell().textContent = text;
    }
  }
}

// ---------------------------------------------------------------- experiment

function hypothesis() {
  return state.hypotheses.find((h) => h.id === $("hyp-select").value);
}
function showHypothesis() {
  const h = hypothesis();
  if (!h) return;
  $("hyp-statement").textContent = h.id + ": " + h.statement;
  $("hyp-design").textContent = "Moves " + h.factor + " from " + h.levels[0] + " to " + h.levels[h.levels.length - 1] +
    " in pairs of runs with the same luck, and reads " + h.metric + " at " + h.at +
    (h.condition ? " (pairs where " + h.condition + " holds)" : "") + ". Expected: " + h.expect +
    ", by at least " + h.smallest_effect + ". The battery file " + h.file + " uses " + h.file_reps + " replications.";
  $("hyp-seed").value = h.file_seed;
  $("hyp-result").textContent = "";
}

function ciSvg(r) {
  const lo = r.ci[0], hi = r.ci[1], eff = r.effect, s = r.hypothesis.smallest_effect;
  const span = Math.max(Math.abs(lo), Math.abs(hi), Math.abs(s), 1e-9) * 1.25;
  const X = (v) => 20 + (v + span) / (2 * span) * 560;
  const line = (v, colour, dash, label) =>
    `<line x1="${X(v)}" x2="${X(v)}" y1="10" y2="70" stroke="${colour}" stroke-dasharray="${dash}"/>` +
    `<text x="${X(v)}" y="88" text-anchor="middle" font-size="13">${label}</text>`;
  return `<svg viewBox="0 0 600 95" role="img" aria-label="effect ${fmt(eff, 4)}, 95% CI ${fmt(lo, 4)} to ${fmt(hi, 4)}">` +
    line(0, "#495057", "", "0") +
    (s > 0 ? line(s, "#adb5bd", "4 3", "+" + s) + line(-s, "#adb5bd", "4 3", "−" + s) : "") +
    `<line x1="${X(lo)}" x2="${X(hi)}" y1="40" y2="40" stroke="#1f5fbf" stroke-width="6"/>` +
    `<circle cx="${X(eff)}" cy="40" r="9" fill="#d9480f"/></svg>`;
}

async function runHypothesis() {
  const h = hypothesis();
  if (!h) return;
  const reps = parseInt($("hyp-reps").value, 10) || 1000;
  const seedV = parseInt($("hyp-seed").value, 10);
  const body = { id: h.id, reps };
  if (isFinite(seedV) && seedV >= 0) body.seed = seedV;
  $("hyp-result").textContent = "running " + reps + " pairs…";
  try {
    const r = await api("api/hypothesis", body);
    const el = $("hyp-result");
    el.innerHTML = "";
    const v = document.createElement("span");
    v.className = "verdict " + r.verdict;
    v.id = "hyp-verdict";
    v.textContent = r.verdict;
    el.append(v);
    const dl = document.createElement("dl");
    const add = (k, val) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = val;
      dl.append(dt, dd);
    };
    add("effect (last level − first)", fmt(r.effect, 4));
    add("95% CI", fmt(r.ci[0], 4) + " … " + fmt(r.ci[1], 4));
    add("mean at each level", r.level_means.map((m, i) => r.hypothesis.levels[i] + ": " + fmt(m, 4)).join(", "));
    add("pairs", r.n + " used, " + r.dropped + " dropped; seed " + r.seed);
    add("effect size d", fmt(r.effect_size, 2));
    el.insertAdjacentHTML("beforeend", ciSvg(r));
    el.append(dl);
  } catch (e) {
    $("hyp-result").textContent = e.message;
    fail(e);
  }
}

// ---------------------------------------------------------------- export

function download(name, text, type) {
  state.lastExport = { name, text };
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}
async function exportToml() {
  try {
    const runs = Math.min(20000, Math.max(1, parseInt($("runs").value, 10) || 1000));
    const r = await api("api/scenario", Object.assign(request(state.a), { runs }));
    download(r.file_name, r.toml, "application/toml");
    status("exported " + r.file_name + ": run it with dyadsim run " + r.file_name);
  } catch (e) {
    fail(e);
  }
}
async function exportCsv() {
  try {
    const r = await api("api/run", Object.assign(request(state.a), { csv: true }));
    download("dyad_seed" + r.seed + ".csv", r.csv, "text/csv");
  } catch (e) {
    fail(e);
  }
}

// ---------------------------------------------------------------- views

function rebuildCharts() {
  oneCharts("chart-", () => state.runA, true);
  oneCharts("chart-a-", () => state.runA, false);
  oneCharts("chart-b-", () => state.runB, false);
  drawAll();
  if (state.ensemble && state.view === "band") drawEnsemble();
}

function showView(view) {
  state.view = view;
  for (const b of document.querySelectorAll(".tabs button")) {
    const on = b.dataset.view === view;
    b.setAttribute("aria-selected", on ? "true" : "false");
    $("view-" + b.dataset.view).hidden = !on;
  }
  // Charts take their width from the visible view.
  rebuildCharts();
  if (view === "two" || view === "band") loadRuns();
}

function choosePreset(preset) {
  stop();
  applyPreset(state.a, preset);
  $("months").value = state.a.months;
  $("preset-desc").textContent = preset.description;
  for (const b of document.querySelectorAll("#presets button")) b.classList.toggle("active", b.dataset.id === preset.id);
  $("dyad-select").value = preset.id.startsWith("dyad_") ? preset.id : "";
  syncSliders($("sliders"), state.a);
  state.month = 0;
  reload();
}

async function init() {
  const [params, presets, hyps] = await Promise.all([api("api/params"), api("api/presets"), api("api/hypotheses")]);
  for (const p of params.params) state.specs[p.path] = p;
  state.presets = presets.presets;
  state.hypotheses = hyps.hypotheses;
  const byId = (id) => state.presets.find((p) => p.id === id);

  for (const p of state.presets) {
    if (p.id.startsWith("dyad_")) {
      const o = document.createElement("option");
      o.value = p.id;
      o.textContent = p.name;
      o.title = p.description;
      $("dyad-select").append(o);
    } else {
      const b = document.createElement("button");
      b.textContent = p.name;
      b.dataset.id = p.id;
      b.id = "preset-" + p.id;
      b.title = p.description;
      b.addEventListener("click", () => choosePreset(p));
      $("presets").append(b);
    }
    const o = document.createElement("option");
    o.value = p.id;
    o.textContent = p.name;
    $("preset-b").append(o);
  }
  $("dyad-select").addEventListener("change", () => {
    const p = byId($("dyad-select").value);
    if (p) choosePreset(p);
  });
  for (const h of state.hypotheses) {
    const o = document.createElement("option");
    o.value = h.id;
    o.textContent = h.id + ": " + h.statement;
    $("hyp-select").append(o);
  }
  $("hyp-select").addEventListener("change", showHypothesis);
  $("hyp-run").addEventListener("click", runHypothesis);

  applyPreset(state.a, byId("baseline"));
  buildSliders($("sliders"), state.a, reload);
  applyPreset(state.b, byId("failure_case"));
  buildSliders($("sliders-b"), state.b, reload);
  $("preset-b").value = "failure_case";
  $("preset-b").addEventListener("change", () => {
    setB(byId($("preset-b").value));
    reload();
  });

  $("seed").addEventListener("change", reload);
  $("months").addEventListener("change", () => {
    const m = parseInt($("months").value, 10);
    if (m >= 1 && m <= 600) {
      state.a.months = m;
      state.b.months = m;
      reload();
    }
  });
  $("dice").addEventListener("click", () => {
    $("seed").value = Math.floor(Math.random() * 1e6);
    reload();
  });
  $("play").addEventListener("click", play);
  $("step").addEventListener("click", () => {
    stop();
    stepOnce();
  });
  $("rewind").addEventListener("click", () => {
    stop();
    state.month = 1;
    drawAll();
  });
  $("to-end").addEventListener("click", () => {
    stop();
    state.month = maxMonth();
    drawAll();
  });
  $("speed").addEventListener("change", () => {
    if (state.playing) {
      stop();
      play();
    }
  });
  for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => showView(b.dataset.view));
  $("quick-cases").addEventListener("click", () => {
    choosePreset(byId("success_case"));
    setB(byId("failure_case"));
    reload();
  });
  $("quick-champion").addEventListener("click", () => {
    choosePreset(byId("failure_case"));
    setB(byId("failure_case"));
    state.b.params["buyer.champion"] = 0.9;
    syncSliders($("sliders-b"), state.b);
    reload();
  });
  $("run-band").addEventListener("click", loadEnsemble);
  $("export-toml").addEventListener("click", exportToml);
  $("export-csv").addEventListener("click", exportCsv);
  $("large-type").addEventListener("change", () => {
    document.documentElement.classList.toggle("large", $("large-type").checked);
    document.body.classList.toggle("large", $("large-type").checked);
    rebuildCharts();
  });
  document.addEventListener("keydown", (e) => {
    const t = e.target.tagName;
    if (t === "INPUT" || t === "SELECT" || t === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "n" || e.key === "N") {
      stop();
      stepOnce();
    } else if (e.key === "p" || e.key === "P") {
      play();
    }
  });
  window.addEventListener("resize", debounce(rebuildCharts, 200));

  choosePreset(byId("baseline"));
  showHypothesis();
  rebuildCharts();
  document.body.dataset.ready = "true";
}

init().catch(fail);
