// src/history.js
function createHistory(limit = 200) {
  const stack = [];
  return {
    push(masked) {
      stack.push([...masked]);
      if (stack.length > limit) stack.shift();
    },
    pop() {
      return stack.pop();
    },
    clear() {
      stack.length = 0;
    },
    get size() {
      return stack.length;
    }
  };
}

// src/state.js
var TRAITS = [
  "text",
  "text_pair",
  "tokens",
  "labels",
  "values",
  "errors",
  "base_values",
  "outputs",
  "output",
  "probabilities",
  "probabilities_full",
  "method",
  "method_used",
  "n_evals",
  "max_evals",
  "players",
  "masked",
  "target",
  "result_for",
  "state",
  "progress",
  "error",
  "truncated",
  "faithfulness",
  "mode",
  "interaction_index",
  "focus",
  "pairs",
  "seed",
  "tolerance",
  "settled"
];
var DEFAULTS = {
  text: "",
  text_pair: "",
  tokens: [],
  labels: [],
  values: [],
  errors: [],
  base_values: [],
  outputs: [],
  output: "probability",
  probabilities: [],
  probabilities_full: [],
  method: "auto",
  method_used: "",
  n_evals: 0,
  max_evals: "auto",
  settled: false,
  players: "token",
  masked: [],
  target: 0,
  result_for: {},
  state: "ready",
  progress: 0,
  error: "",
  truncated: false,
  faithfulness: {},
  mode: "attributions",
  interaction_index: "SII",
  focus: -1,
  pairs: {},
  pending: false,
  canUndo: false
};
var ARRAYS = ["tokens", "labels", "values", "errors", "base_values", "outputs", "probabilities", "probabilities_full", "masked"];
function normalize(raw = {}) {
  const s = { ...DEFAULTS };
  for (const [key, value] of Object.entries(raw)) if (value != null) s[key] = value;
  for (const key of ARRAYS) if (!Array.isArray(s[key])) s[key] = [];
  for (const key of ["result_for", "faithfulness", "pairs"]) {
    if (typeof s[key] !== "object" || Array.isArray(s[key])) s[key] = {};
  }
  s.masked = sortedMask(s.masked);
  s.target = selectedClass(s.target, s.labels.length);
  return s;
}
function sortedMask(masked) {
  return [...new Set((masked ?? []).map(Number).filter(Number.isInteger))].sort((a, b) => a - b);
}
function sameMask(a, b) {
  const x = sortedMask(a);
  const y = sortedMask(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
function toggled(masked, index) {
  const set = new Set(sortedMask(masked));
  if (set.has(index)) set.delete(index);
  else set.add(index);
  return sortedMask([...set]);
}
function selectedClass(target, count) {
  const t = Number(target);
  if (!Number.isInteger(t) || count === 0) return 0;
  return Math.min(Math.max(t, 0), count - 1);
}
function resultMatches(s) {
  const r = s.result_for ?? {};
  if (Object.keys(r).length === 0) return s.text === "" && s.tokens.length === 0;
  return r.text === s.text && (r.text_pair ?? "") === s.text_pair && r.players === s.players && sameMask(r.masked, s.masked) && (r.output == null || r.output === s.output);
}
function valuesFitTokens(s) {
  const r = s.result_for ?? {};
  return s.values.length === s.tokens.length && r.text === s.text && (r.text_pair ?? "") === s.text_pair && r.players === s.players;
}
function displayState(s) {
  if (s.pending || s.state === "computing") return "computing";
  if (s.state === "error") return "error";
  if (!resultMatches(s)) return "computing";
  return s.state === "refining" ? "refining" : "ready";
}
function isStale(s) {
  return displayState(s) === "computing" || !resultMatches(s);
}
function resultOutput(s) {
  return s.result_for?.output ?? s.output;
}

// src/dom.js
function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of [].concat(children)) if (child != null) el.append(child);
  return el;
}
function setAttr(el, name, value) {
  if (value == null || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
    return;
  }
  const s = value === true ? "" : String(value);
  if (el.getAttribute(name) !== s) el.setAttribute(name, s);
}
function setText(el, text) {
  const s = String(text);
  if (el.textContent !== s) el.textContent = s;
}

// src/format.js
function plainNumber(value) {
  const v = Number(value);
  if (!Number.isFinite(v) || v === 0) return "0";
  const s = String(v);
  if (!s.includes("e")) return s;
  const [mantissa, exp] = s.split("e");
  const negative = mantissa.startsWith("-");
  const [whole, frac = ""] = mantissa.replace("-", "").split(".");
  const digits = whole + frac;
  const point = whole.length + Number(exp);
  let out;
  if (point <= 0) out = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = digits.slice(0, point) + "." + digits.slice(point);
  return (negative ? "-" : "") + out;
}
function formatNumber(value) {
  const v = Number(value);
  if (!Number.isFinite(v)) return "\u2013";
  if (v === 0) return "0";
  if (Math.abs(v) >= 0.01) return v.toFixed(3);
  return plainNumber(Number(v.toPrecision(2)));
}
function formatPrecise(value) {
  const v = Number(value);
  if (!Number.isFinite(v) || v === 0) return "0";
  const s = plainNumber(Number(v.toPrecision(5)));
  return v > 0 ? "+" + s : s;
}
function formatPercent(p) {
  const v = Number(p);
  if (!Number.isFinite(v)) return "\u2013";
  return (v * 100).toFixed(1) + "%";
}
function outputLabel(output, label) {
  if (output === "logit") return `logit(${label})`;
  if (output === "log-odds") return `log-odds(${label})`;
  return `P(${label})`;
}

// src/scale.js
var NEGATIVE_RGB = [0, 94, 160];
var POSITIVE_RGB = [196, 78, 0];
var LIGHT_TEXT_BELOW = 0.2;
function valueAt(values, index, classIndex) {
  const v = Number(values?.[index]?.[classIndex]);
  return Number.isFinite(v) ? v : 0;
}
function scaleMax(values, classIndex, masked = []) {
  const skip = new Set(masked);
  let max = 0;
  (values ?? []).forEach((_, i) => {
    if (skip.has(i)) return;
    const a = Math.abs(valueAt(values, i, classIndex));
    if (a > max) max = a;
  });
  return max;
}
function intensity(value, max) {
  if (!(max > 0) || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.abs(value) / max);
}
function channelToLinear(c) {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}
function luminance([r, g, b]) {
  return 0.2126 * channelToLinear(r) + 0.7152 * channelToLinear(g) + 0.0722 * channelToLinear(b);
}
function overWhite(rgb, alpha) {
  return rgb.map((c) => Math.round(255 + (c - 255) * alpha));
}
function colorFor(value, max) {
  const t = intensity(value, max);
  if (t === 0) return { background: "transparent", intensity: 0, sign: 0, lightText: false };
  const sign = value < 0 ? -1 : 1;
  const rgb = sign < 0 ? NEGATIVE_RGB : POSITIVE_RGB;
  const alpha = Math.round(t * 1e3) / 1e3;
  return {
    background: `rgba(${rgb.join(", ")}, ${alpha})`,
    intensity: t,
    sign,
    lightText: luminance(overWhite(rgb, alpha)) < LIGHT_TEXT_BELOW
  };
}
function legendGradient(sign) {
  const rgb = (sign < 0 ? NEGATIVE_RGB : POSITIVE_RGB).join(", ");
  const direction = sign < 0 ? "to left" : "to right";
  return `linear-gradient(${direction}, rgba(${rgb}, 0), rgba(${rgb}, 1))`;
}

// src/additive.js
function createAdditive() {
  const base = h("span", { class: "sw-num sw-base" });
  const sum = h("span", { class: "sw-num sw-sum" });
  const out = h("span", { class: "sw-num sw-out" });
  const target = h("span", { class: "sw-out-label" });
  const el = h("div", { class: "sw-additive" }, [
    h("span", { class: "sw-term", text: "base " }),
    base,
    h("span", { class: "sw-op", text: " + " }),
    h("span", { class: "sw-term", text: "\u03A3 " }),
    sum,
    h("span", { class: "sw-op", text: " = " }),
    out,
    h("span", { class: "sw-op", text: " " }),
    target
  ]);
  function update(s) {
    const c = s.target;
    const hasResult = s.tokens.length > 0 && s.base_values.length > c && s.outputs.length > c;
    el.hidden = !hasResult;
    if (!hasResult) return;
    const total = s.values.reduce((acc, _, i) => acc + valueAt(s.values, i, c), 0);
    const values = { base: s.base_values[c], sum: total, output: s.outputs[c] };
    for (const [name, value, node] of [
      ["base", values.base, base],
      ["sum", values.sum, sum],
      ["output", values.output, out]
    ]) {
      setAttr(el, `data-${name}`, plainNumber(value));
      setText(node, formatNumber(value));
      setAttr(node, "title", formatPrecise(value));
    }
    setText(target, outputLabel(resultOutput(s), s.labels[c] ?? `class ${c}`));
  }
  return { el, update };
}

// src/controls.js
var METHODS = ["auto", "exact", "kernel", "partition", "permutation"];
var OUTPUTS = [
  ["probability", "probability"],
  ["logit", "logit"],
  ["log-odds", "log-odds"]
];
var PLAYERS = [
  ["token", "Tokens"],
  ["word", "Words"]
];
function setOptions(select, options) {
  const key = JSON.stringify(options);
  if (select.dataset.options === key) return;
  select.dataset.options = key;
  select.replaceChildren(...options.map(([value, label]) => h("option", { value, text: label })));
}
function field(label, control, tag = "label") {
  return h(tag, { class: "sw-field" }, [h("span", { class: "sw-field-label", text: label }), control]);
}
var SAMPLED = ["kernel", "permutation"];
function parseBudget(text) {
  const t = String(text ?? "").trim().toLowerCase();
  if (t === "auto") return "auto";
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n >= 2 ? n : null;
}
function canRefineMore(s) {
  return displayState(s) === "ready" && SAMPLED.includes(s.method_used) && Number(s.n_evals) > 0;
}
function budgetNote(s) {
  if (s.max_evals !== "auto" || !canRefineMore(s)) return "";
  const n = Number(s.n_evals).toLocaleString("en-US");
  return s.settled ? `settled at ${n} evaluations` : `stopped at ${n} evaluations, not settled`;
}
function createInput({ onExplain }) {
  const textarea = h("textarea", {
    class: "sw-text",
    rows: 2,
    spellcheck: "false",
    placeholder: "Text to classify",
    "aria-label": "Text to explain"
  });
  const explain = h("button", { class: "sw-explain sw-primary", type: "button", text: "Explain" });
  const el = h("div", { class: "sw-input" }, [textarea, explain]);
  let syncedText = null;
  explain.addEventListener("click", () => onExplain(textarea.value));
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onExplain(textarea.value);
    }
  });
  setAttr(explain, "title", "Explain this text (Ctrl+Enter)");
  function update(s) {
    if (s.text !== syncedText) {
      textarea.value = s.text;
      syncedText = s.text;
    }
  }
  return { el, update };
}
function createSettings({ onPlayers, onMethod, onMaxEvals, onOutput }) {
  const playerButtons = PLAYERS.map(
    ([value, label]) => h("button", { type: "button", "data-players": value, text: label, onclick: () => onPlayers(value) })
  );
  const players = h("div", { class: "sw-players sw-segmented", role: "group", "aria-label": "Players" }, playerButtons);
  const method = h("select", { class: "sw-method", onchange: () => onMethod(method.value) });
  setOptions(method, METHODS.map((m) => [m, m]));
  const maxEvals = h("input", {
    class: "sw-max-evals",
    type: "text",
    size: 6,
    spellcheck: "false",
    title: "Model evaluations: auto (refine until the values are settled) or a number"
  });
  let shownMaxEvals = null;
  maxEvals.addEventListener("change", () => {
    const budget = parseBudget(maxEvals.value);
    if (budget != null) onMaxEvals(budget);
    else maxEvals.value = String(shownMaxEvals);
  });
  const note = h("span", { class: "sw-budget-note", "aria-live": "polite" });
  let refineTo = 0;
  const refineMore = h("button", {
    class: "sw-refine-more",
    type: "button",
    text: "Refine more",
    onclick: () => refineTo && onMaxEvals(refineTo)
  });
  setAttr(refineMore, "title", "Continue the same sample to twice its evaluations");
  const output = h("select", { class: "sw-output", onchange: () => onOutput(output.value) });
  setOptions(output, OUTPUTS);
  const el = h("div", { class: "sw-settings" }, [
    field("Players", players, "div"),
    field("Method", method),
    field("Budget", maxEvals),
    note,
    refineMore,
    field("Output", output)
  ]);
  function update(s) {
    for (const button of playerButtons) {
      setAttr(button, "aria-pressed", button.dataset.players === s.players ? "true" : "false");
    }
    setAttr(players, "data-value", s.players);
    if (method.value !== s.method) method.value = s.method;
    if (output.value !== s.output) output.value = s.output;
    if (s.max_evals !== shownMaxEvals) {
      shownMaxEvals = s.max_evals;
      maxEvals.value = String(s.max_evals);
    }
    const text = budgetNote(s);
    if (note.textContent !== text) note.textContent = text;
    note.hidden = text === "";
    refineTo = canRefineMore(s) ? 2 * Number(s.n_evals) : 0;
    refineMore.hidden = refineTo === 0;
  }
  return { el, update };
}
function createClassSelect({ onSelect }) {
  const select = h("select", { class: "sw-target", "aria-label": "Class to explain" });
  select.addEventListener("change", () => onSelect(Number(select.value)));
  const el = field("Class", select);
  function update(s) {
    setOptions(
      select,
      s.labels.map((label, i) => [String(i), String(label)])
    );
    select.disabled = s.labels.length === 0;
    if (select.value !== String(s.target)) select.value = String(s.target);
  }
  return { el, update };
}
function createMaskButtons({ onUndo, onReset }) {
  const undo = h("button", { class: "sw-undo", type: "button", text: "Undo", onclick: onUndo });
  const reset = h("button", { class: "sw-reset", type: "button", text: "Reset", onclick: onReset });
  setAttr(undo, "title", "Undo the last mask change");
  setAttr(reset, "title", "Unmask all tokens");
  const el = h("div", { class: "sw-mask-buttons" }, [undo, reset]);
  function update(s) {
    undo.disabled = !s.canUndo;
    reset.disabled = s.masked.length === 0;
  }
  return { el, update };
}

// src/faithfulness.js
var SVG = "http://www.w3.org/2000/svg";
var WIDTH = 260;
var HEIGHT = 130;
var LEFT = 40;
var RIGHT = 8;
var TOP = 8;
var BOTTOM = 22;
var MAX_MARKERS = 30;
var CURVES = [
  {
    name: "deletion",
    label: "Deletion",
    help: "Output with the top-ranked tokens removed. A steep early drop means the explanation found the tokens the prediction rests on; AOPC (higher is more faithful) is the mean drop over all steps."
  },
  {
    name: "insertion",
    label: "Insertion",
    help: "Output with only the top-ranked tokens kept. A fast rise back to the full output means those tokens suffice; AOPC (lower is more faithful) is the mean gap to the full output over all steps."
  }
];
function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value != null) el.setAttribute(key, String(value));
  return el;
}
var numbers = (xs) => Array.isArray(xs) ? xs.map(Number) : [];
function sameRequest(a, b) {
  if (!a || !b || typeof a !== "object" || typeof b !== "object") return false;
  const keys = /* @__PURE__ */ new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
function faithfulnessStatus(s, { readOnly = false } = {}) {
  if (s.tokens.length === 0) return "none";
  const f = s.faithfulness ?? {};
  const fresh = displayState(s) === "ready" && resultMatches(s) && sameRequest(f.result_for, s.result_for) && Number(f.target) === s.target;
  if (fresh) return f.error ? "error" : Array.isArray(f.deletion) ? "ready" : "computing";
  if (s.state === "error") return "none";
  return readOnly ? "unavailable" : "computing";
}
function plotScale(f) {
  const values = [...numbers(f.deletion), ...numbers(f.insertion)].filter(Number.isFinite);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!values.length) [lo, hi] = [0, 1];
  if (hi - lo < 1e-12) [lo, hi] = [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.06;
  lo -= pad;
  hi += pad;
  if (f.output === "probability") [lo, hi] = [Math.max(0, lo), Math.min(1, hi)];
  const x = (fraction) => LEFT + Number(fraction) * (WIDTH - LEFT - RIGHT);
  const y = (value) => TOP + (hi - Number(value)) / (hi - lo) * (HEIGHT - TOP - BOTTOM);
  return { lo, hi, x, y };
}
function polylinePoints(fractions, values, scale) {
  return fractions.map((fraction, k) => `${scale.x(fraction).toFixed(2)},${scale.y(values[k]).toFixed(2)}`).join(" ");
}
function createFaithfulness({ readOnly = false } = {}) {
  const plot = svg("svg", {
    class: "sw-faith-plot",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    width: WIDTH,
    height: HEIGHT,
    role: "img"
  });
  const title = h("span", { class: "sw-faith-title", text: "Faithfulness" });
  const status = h("span", { class: "sw-faith-status" });
  const legend = h("div", { class: "sw-faith-legend" });
  const table = h("table", { class: "sw-faith-table" });
  const body = h("div", { class: "sw-faith-body" }, [plot, h("div", { class: "sw-faith-numbers" }, [legend, table])]);
  const el = h("details", { class: "sw-faithfulness", open: true }, [
    h("summary", { class: "sw-faith-summary" }, [title, status]),
    body
  ]);
  setAttr(
    el,
    "title",
    "Removes the tokens in the order the explanation ranks them for the selected class, with the same masking as the explanation"
  );
  let drawnKey = null;
  function draw(f, output) {
    const fractions = numbers(f.fractions);
    const steps = Array.isArray(f.steps) ? numbers(f.steps) : fractions.map((_, k) => k);
    const scale = plotScale({ ...f, output });
    const full = Number(f.deletion[0]);
    const children = [];
    const [x0, x1] = [scale.x(0), scale.x(1)];
    const [yTop, yBottom] = [TOP, HEIGHT - BOTTOM];
    children.push(svg("line", { class: "sw-faith-axis", x1: x0, y1: yBottom, x2: x1, y2: yBottom }));
    children.push(svg("line", { class: "sw-faith-axis", x1: x0, y1: yTop, x2: x0, y2: yBottom }));
    for (const [value, anchor] of [
      [scale.hi, "hi"],
      [scale.lo, "lo"]
    ]) {
      const text = svg("text", { class: "sw-faith-tick", "data-tick": anchor, x: x0 - 4, y: scale.y(value) + 3 });
      text.setAttribute("text-anchor", "end");
      text.textContent = formatNumber(value);
      children.push(text);
    }
    for (const fraction of [0, 0.5, 1]) {
      const text = svg("text", { class: "sw-faith-tick", x: scale.x(fraction), y: HEIGHT - 8 });
      text.setAttribute("text-anchor", fraction === 0 ? "start" : fraction === 1 ? "end" : "middle");
      text.textContent = fraction === 0.5 ? "tokens removed / kept" : formatPercent(fraction).replace(".0", "");
      children.push(text);
    }
    const reference = svg("line", {
      class: "sw-faith-full",
      x1: x0,
      y1: scale.y(full),
      x2: x1,
      y2: scale.y(full),
      "data-value": plainNumber(full)
    });
    reference.append(svg("title"));
    reference.firstChild.textContent = `Full output ${formatPrecise(full)}`;
    children.push(reference);
    for (const { name } of CURVES) {
      const values = numbers(f[name]);
      children.push(
        svg("polyline", {
          class: `sw-faith-curve sw-curve-${name}`,
          "data-curve": name,
          points: polylinePoints(fractions, values, scale),
          fill: "none"
        })
      );
      if (fractions.length <= MAX_MARKERS) {
        fractions.forEach((fraction, k) => {
          const dot = svg("circle", {
            class: `sw-faith-dot sw-curve-${name}`,
            cx: scale.x(fraction).toFixed(2),
            cy: scale.y(values[k]).toFixed(2),
            r: 2
          });
          const tip = svg("title");
          tip.textContent = `${name === "deletion" ? "removed" : "kept"} top ${steps[k]}: ${formatPrecise(values[k])}`;
          dot.append(tip);
          children.push(dot);
        });
      }
    }
    plot.replaceChildren(...children);
    legend.replaceChildren(
      ...CURVES.map(({ name, label, help }) => {
        const aopc = Number(f[`aopc_${name}`]);
        const value = h("span", { class: "sw-faith-aopc", text: formatNumber(aopc), title: formatPrecise(aopc) });
        return h("div", { class: `sw-faith-key sw-curve-${name}`, "data-curve": name, title: help }, [
          h("span", { class: "sw-faith-swatch", "aria-hidden": "true" }),
          h("span", { text: `${label} \xB7 AOPC ` }),
          value,
          h("span", { class: "sw-faith-better", text: name === "deletion" ? " \u2191" : " \u2193" })
        ]);
      })
    );
    const levels = numbers(f.levels);
    const row = (name, label, help) => h("tr", { "data-measure": name, title: help }, [
      h("th", { scope: "row", text: label }),
      ...numbers(f[name]).map(
        (value, i) => h("td", {
          "data-level": plainNumber(levels[i]),
          "data-value": plainNumber(value),
          title: formatPrecise(value),
          text: formatNumber(value)
        })
      )
    ]);
    table.replaceChildren(
      h("thead", {}, [
        h("tr", {}, [
          h("th", { text: "top" }),
          ...levels.map((q) => h("th", { scope: "col", text: formatPercent(q).replace(".0", "") }))
        ])
      ]),
      h("tbody", {}, [
        row(
          "comprehensiveness",
          "Comprehensiveness",
          "Full output minus the output without the top tokens (higher is more faithful)"
        ),
        row("sufficiency", "Sufficiency", "Full output minus the output with only the top tokens (lower is more faithful)")
      ])
    );
  }
  function update(s) {
    const shown2 = faithfulnessStatus(s, { readOnly });
    const f = s.faithfulness ?? {};
    el.hidden = shown2 === "none";
    setAttr(el, "data-status", shown2);
    body.hidden = shown2 !== "ready";
    const label = s.labels[s.target] ?? `class ${s.target}`;
    setText(title, `Faithfulness \xB7 ${outputLabel(s.result_for?.output ?? s.output, label)}`);
    const messages = {
      computing: "measuring\u2026",
      error: String(f.error ?? ""),
      unavailable: f.label ? `measured for ${f.label} only` : "not measured"
    };
    setText(status, messages[shown2] ?? "");
    status.classList.toggle("sw-faith-error", shown2 === "error");
    if (shown2 !== "ready") {
      for (const name of ["target", "aopc-deletion", "aopc-insertion"]) setAttr(el, `data-${name}`, null);
      return;
    }
    setAttr(el, "data-target", s.target);
    setAttr(el, "data-aopc-deletion", plainNumber(f.aopc_deletion));
    setAttr(el, "data-aopc-insertion", plainNumber(f.aopc_insertion));
    setAttr(
      plot,
      "aria-label",
      `Deletion and insertion curves for ${label}: AOPC ${formatNumber(f.aopc_deletion)} and ${formatNumber(f.aopc_insertion)}`
    );
    const key = JSON.stringify([f, s.result_for?.output ?? s.output]);
    if (key !== drawnKey) {
      draw(f, s.result_for?.output ?? s.output);
      drawnKey = key;
    }
  }
  return { el, update };
}

// src/pair.js
function createPairInput({ onSubmit }) {
  const textarea = h("textarea", {
    class: "sw-text sw-text-pair",
    rows: 2,
    spellcheck: "false",
    placeholder: "Second text of the pair",
    "aria-label": "Second text to explain"
  });
  const el = h("div", { class: "sw-input sw-input-pair" }, [textarea]);
  el.hidden = true;
  let synced = null;
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onSubmit();
    }
  });
  function update(s) {
    if (s.text_pair) el.hidden = false;
    if (s.text_pair !== synced) {
      textarea.value = s.text_pair;
      synced = s.text_pair;
    }
  }
  return {
    el,
    update,
    /** The second text, or null for a widget of one text. */
    value: () => el.hidden ? null : textarea.value
  };
}
function segmentRow(el, row, tokens, i) {
  const segment = tokens[i]?.segment;
  if (segment == null) return el;
  if (i > 0 && tokens[i - 1]?.segment === segment && row !== el) return row;
  const next = h("div", { class: "sw-segment", "data-segment": segment });
  el.append(next);
  return next;
}

// src/uncertainty.js
var Z95 = 1.96;
function errorAt(errors, i, c) {
  const se = Number(errors?.[i]?.[c]);
  return Number.isFinite(se) && se > 0 ? se : null;
}
function isUncertain(value, se) {
  return se != null && Math.abs(Number(value) || 0) <= Z95 * se;
}
function errorSuffix(se) {
  return se == null ? "" : ` \xB1 ${formatNumber(se)}`;
}
function largestError(s, c = s.target) {
  const masked = new Set(s.masked ?? []);
  let max = null;
  (s.errors ?? []).forEach((_, i) => {
    const se = masked.has(i) ? null : errorAt(s.errors, i, c);
    if (se != null && (max == null || se > max)) max = se;
  });
  return max;
}
function errorsFitValues(s) {
  return Array.isArray(s.errors) && s.errors.length > 0 && s.errors.length === s.values.length;
}
function markToken(span, value, se, masked) {
  const shown2 = masked ? null : se;
  setAttr(span, "data-se", shown2 == null ? null : plainNumber(shown2));
  span.classList.toggle("sw-uncertain", isUncertain(value, shown2));
}
function refiningLabel(s) {
  const se = largestError(s);
  return se == null ? "Refining\u2026" : `Refining \xB7 \xB1${formatNumber(se)}`;
}
function createStopButton({ onStop }) {
  const el = h("button", { class: "sw-stop", type: "button", text: "Stop", onclick: () => onStop() });
  setAttr(el, "title", "Stop refining and keep the current estimate");
  function update(s, shownState, readOnly) {
    el.hidden = readOnly || shownState !== "refining";
  }
  return { el, update };
}
function uncertainCount(s, c = s.target) {
  const masked = new Set(s.masked ?? []);
  return s.values.filter((_, i) => !masked.has(i) && isUncertain(valueAt(s.values, i, c), errorAt(s.errors, i, c))).length;
}
function createUncertaintyKey() {
  const sample = h("span", { class: "sw-uncertain-sample", text: "abc", "aria-hidden": "true" });
  const el = h("span", { class: "sw-uncertain-key" }, [sample, " uncertain"]);
  setAttr(el, "title", "Dotted underline: the 95% interval (value \xB1 1.96 standard errors) includes 0");
  function update(s) {
    const has = errorsFitValues(s);
    el.hidden = !has;
    setAttr(el, "data-count", has ? uncertainCount(s) : 0);
  }
  return { el, update };
}

// src/heatmap.js
var NAV_KEYS = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 };
function createHeatmap({ onToggle, readOnly = false }) {
  const el = h("div", {
    class: "sw-heatmap",
    role: "group",
    "aria-label": readOnly ? "Tokens" : "Tokens; press a token to mask it",
    "aria-disabled": readOnly ? "true" : null
  });
  let tokenEls = [];
  let tokensKey = null;
  const indexOf = (target) => {
    const token = target instanceof Element ? target.closest(".sw-token") : null;
    return token && el.contains(token) ? Number(token.dataset.index) : null;
  };
  el.addEventListener("click", (event) => {
    const i = indexOf(event.target);
    if (i != null) onToggle(i);
  });
  el.addEventListener("keydown", (event) => {
    const i = indexOf(event.target);
    if (i == null) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onToggle(i);
    } else if (event.key in NAV_KEYS || event.key === "Home" || event.key === "End") {
      event.preventDefault();
      let next = i + (NAV_KEYS[event.key] ?? 0);
      if (event.key === "Home") next = 0;
      if (event.key === "End") next = tokenEls.length - 1;
      tokenEls[Math.max(0, Math.min(tokenEls.length - 1, next))]?.focus();
    }
  });
  function rebuild(tokens) {
    const focused = indexOf(document.activeElement);
    el.replaceChildren();
    let row = el;
    tokenEls = tokens.map((token, i) => {
      row = segmentRow(el, row, tokens, i);
      const prefix = String(token?.prefix ?? "");
      if (prefix) row.append(prefix);
      const span = h("span", { class: "sw-token", role: "button", tabindex: 0, "data-index": i }, [
        String(token?.text ?? "")
      ]);
      row.append(span);
      return span;
    });
    if (tokens.length === 0) {
      el.append(h("span", { class: "sw-empty", text: "Enter a text above and press Explain." }));
    }
    if (focused != null) tokenEls[Math.min(focused, tokenEls.length - 1)]?.focus();
  }
  function update(s) {
    const key = JSON.stringify(s.tokens.map((t) => [t?.prefix ?? "", t?.text ?? ""]));
    if (key !== tokensKey) {
      rebuild(s.tokens);
      tokensKey = key;
    }
    const masked = new Set(s.masked);
    const classIndex = s.target;
    const label = s.labels[classIndex] ?? `class ${classIndex}`;
    const max = scaleMax(s.values, classIndex, s.masked);
    tokenEls.forEach((span, i) => {
      const value = valueAt(s.values, i, classIndex);
      const isMasked = masked.has(i);
      const color = isMasked ? colorFor(0, max) : colorFor(value, max);
      const text = String(s.tokens[i]?.text ?? "");
      const shown2 = text.trim() === "" ? JSON.stringify(text) : text;
      const se = isMasked ? null : errorAt(s.errors, i, classIndex);
      const number = formatPrecise(value) + errorSuffix(se);
      setAttr(span, "data-masked", isMasked ? "true" : "false");
      setAttr(span, "aria-pressed", isMasked ? "true" : "false");
      setAttr(span, "data-value", plainNumber(value));
      setAttr(span, "aria-label", `${shown2}: ${number}`);
      setAttr(
        span,
        "title",
        `${shown2}: ${number} for ${label}` + (readOnly ? isMasked ? "\nMasked" : "" : `
${isMasked ? "Masked. Click to restore" : "Click to mask"}`)
      );
      span.classList.toggle("sw-masked", isMasked);
      markToken(span, value, se, isMasked);
      span.classList.toggle("sw-strong", color.lightText);
      span.style.backgroundColor = color.background === "transparent" ? "" : color.background;
    });
  }
  return { el, update };
}

// src/legend.js
function createLegend() {
  const min = h("span", { class: "sw-legend-tick", "data-tick": "min" });
  const zero = h("span", { class: "sw-legend-tick", "data-tick": "zero", text: "0" });
  const max = h("span", { class: "sw-legend-tick", "data-tick": "max" });
  const negative = h("span", { class: "sw-legend-bar", "aria-hidden": "true" });
  const positive = h("span", { class: "sw-legend-bar", "aria-hidden": "true" });
  negative.style.backgroundImage = legendGradient(-1);
  positive.style.backgroundImage = legendGradient(1);
  const el = h("div", { class: "sw-legend", role: "img" }, [min, negative, zero, positive, max]);
  function update(scale, label) {
    const flat = !(scale > 0);
    setAttr(el, "data-max", plainNumber(flat ? 0 : scale));
    setAttr(el, "data-min", plainNumber(flat ? 0 : -scale));
    el.classList.toggle("sw-legend-flat", flat);
    setText(min, flat ? "0" : "-" + formatNumber(scale));
    setText(max, flat ? "0" : "+" + formatNumber(scale));
    setAttr(
      el,
      "aria-label",
      flat ? `All attributions for ${label} are 0` : `Colour scale for ${label}: blue ${min.textContent} lowers, 0 neutral, orange ${max.textContent} raises`
    );
    setAttr(el, "title", el.getAttribute("aria-label"));
  }
  return { el, update };
}

// src/interactions.js
var MATRIX_MAX_PLAYERS = 20;
var MODES = [
  ["attributions", "Attributions"],
  ["interactions", "Interactions"]
];
var INDICES = ["SII", "k-SII"];
function pairsAnswer(s) {
  const p = s.pairs ?? {};
  const r = p.result_for ?? {};
  return r.text === s.text && (r.text_pair ?? "") === (s.text_pair ?? "") && r.players === s.players && sameMask(r.masked, s.masked) && (r.output == null || r.output === s.output) && p.index === s.interaction_index;
}
function pairsMatch(s) {
  return pairsFit(s) && pairsAnswer(s);
}
function pairsFit(s) {
  const p = s.pairs ?? {};
  const r = p.result_for ?? {};
  return Array.isArray(p.values) && p.values.length === s.tokens.length && r.text === s.text && (r.text_pair ?? "") === (s.text_pair ?? "") && r.players === s.players;
}
function pairValue(pairs, i, j, c) {
  const v = Number(pairs?.[i]?.[j]?.[c]);
  return Number.isFinite(v) ? v : 0;
}
function pairScale(pairs, c, masked = []) {
  const skip = new Set(masked);
  let max = 0;
  (pairs ?? []).forEach((row, i) => {
    if (skip.has(i)) return;
    (row ?? []).forEach((_, j) => {
      if (!skip.has(j) && i !== j) max = Math.max(max, Math.abs(pairValue(pairs, i, j, c)));
    });
  });
  return max;
}
var shown = (token) => {
  const text = String(token?.text ?? "");
  return text.trim() === "" ? JSON.stringify(text) : text;
};
function paint(el, value, max) {
  const color = colorFor(value, max);
  el.style.backgroundColor = color.background === "transparent" ? "" : color.background;
  el.classList.toggle("sw-strong", color.lightText);
}
function createMatrix({ onFocus }) {
  const el = h("div", { class: "sw-pair-matrix", hidden: true });
  let key = null;
  let cells = [];
  let heads = [];
  el.addEventListener("click", (event) => {
    const cell = event.target instanceof Element ? event.target.closest("[data-i]") : null;
    if (cell && el.contains(cell)) onFocus(Number(cell.dataset.i));
  });
  function rebuild(tokens) {
    const labels = tokens.map((t) => {
      const text = shown(t);
      return text.length > 10 ? text.slice(0, 9) + "\u2026" : text;
    });
    heads = labels.map(
      (label, j) => h("th", { class: "sw-pair-col", scope: "col", "data-j": j }, [h("span", { text: label })])
    );
    cells = [];
    const rows = labels.map((label, i) => {
      const row = labels.map((_, j) => h("td", { class: "sw-pair-cell", "data-i": i, "data-j": j }));
      cells.push(row);
      return h("tr", {}, [h("th", { class: "sw-pair-row", scope: "row", "data-i": i, text: label }), ...row]);
    });
    const table = h("table", { class: "sw-pair-table", "aria-label": "Pairwise interactions" }, [
      h("thead", {}, [h("tr", {}, [h("th", {}), ...heads])]),
      h("tbody", {}, rows)
    ]);
    el.replaceChildren(table);
  }
  function update(s, { c, label, max, values }) {
    el.hidden = s.tokens.length < 2 || s.tokens.length > MATRIX_MAX_PLAYERS;
    if (el.hidden) return;
    const k = JSON.stringify(s.tokens.map((t) => t?.text ?? ""));
    if (k !== key) {
      rebuild(s.tokens);
      key = k;
    }
    const masked = new Set(s.masked);
    cells.forEach(
      (row, i) => row.forEach((cell, j) => {
        const value = values && i !== j ? pairValue(values, i, j, c) : 0;
        const off = i === j || masked.has(i) || masked.has(j);
        paint(cell, off ? 0 : value, max);
        cell.classList.toggle("sw-pair-off", off);
        cell.classList.toggle("sw-pair-focus", i === s.focus || j === s.focus);
        setAttr(cell, "data-value", plainNumber(value));
        const pair = `${shown(s.tokens[i])} \xD7 ${shown(s.tokens[j])}: ${formatPrecise(value)} for ${label}`;
        setAttr(cell, "title", i === j ? shown(s.tokens[i]) : pair);
      })
    );
    heads.forEach((th, j) => th.classList.toggle("sw-pair-focus", j === s.focus));
  }
  return { el, update };
}
function createInteractions({ onMode, onIndex, onFocus, onToggle, readOnly = false }) {
  let focus = -1;
  const modeButtons = MODES.map(
    ([value, label]) => h("button", { type: "button", "data-mode": value, text: label, onclick: () => onMode(value) })
  );
  const modeGroup = h("div", { class: "sw-mode sw-segmented", role: "group", "aria-label": "View" }, modeButtons);
  const index = h("select", { class: "sw-interaction-index", onchange: () => onIndex(index.value) });
  index.replaceChildren(...INDICES.map((v) => h("option", { value: v, text: v })));
  setAttr(
    index,
    "title",
    "SII: main effects are the Shapley values. k-SII: main effects plus pairs add up to the output"
  );
  const indexField = h("label", { class: "sw-field sw-interaction-field" }, [
    h("span", { class: "sw-field-label", text: "Index" }),
    index
  ]);
  const maskFocus = h("button", {
    class: "sw-mask-focus",
    type: "button",
    onclick: () => focus >= 0 && onToggle(focus)
  });
  const status = h("span", { class: "sw-interaction-status", role: "status" });
  const bar = h("div", { class: "sw-interactions-bar" }, [modeGroup, indexField, maskFocus, status]);
  const legend = createLegend();
  legend.el.classList.add("sw-interaction-legend");
  const matrix = createMatrix({ onFocus: (i) => onFocus(i === focus ? -1 : i) });
  if (readOnly) {
    index.disabled = true;
    maskFocus.hidden = true;
  }
  const pick = (i) => onFocus(i === focus ? -1 : i);
  function update(s) {
    const active = s.mode === "interactions";
    focus = Number.isInteger(s.focus) && s.focus < s.tokens.length ? s.focus : -1;
    for (const button of modeButtons) {
      setAttr(button, "aria-pressed", button.dataset.mode === s.mode ? "true" : "false");
    }
    if (index.value !== s.interaction_index) index.value = s.interaction_index;
    indexField.hidden = !active;
    legend.el.hidden = !active || s.tokens.length === 0;
    const p = s.pairs ?? {};
    const fit = pairsFit(s) && !p.error;
    const fresh = pairsMatch(s);
    const values = fit ? p.values : null;
    const c = s.target;
    const label = s.labels[c] ?? `class ${c}`;
    const max = values ? pairScale(values, c, s.masked) : 0;
    const masked = new Set(s.masked);
    maskFocus.hidden = readOnly || !active || focus < 0;
    setText(maskFocus, focus >= 0 ? `${masked.has(focus) ? "Unmask" : "Mask"} \u201C${shown(s.tokens[focus])}\u201D` : "");
    let line = "";
    if (active && s.tokens.length > 0) {
      if (p.error && pairsAnswer(s)) line = `Interactions failed: ${p.error}`;
      else if (!fresh) line = "Computing interactions\u2026";
      else {
        const n = Number(p.n_evals) || 0;
        line = `${p.method} ${p.index}, ${n.toLocaleString("en-US")} evaluations`;
        line += focus < 0 ? ". Click a token to see how it acts with the others" : "";
      }
    }
    status.hidden = !line;
    setText(status, line);
    setAttr(status, "data-fresh", fresh ? "true" : "false");
    setAttr(bar, "data-mode", s.mode);
    const legendLabel = focus >= 0 ? `interactions with \u201C${shown(s.tokens[focus])}\u201D for ${label}` : `interactions for ${label}`;
    legend.update(max, legendLabel);
    if (active) matrix.update(s, { c, label, max, values });
    else matrix.el.hidden = true;
    const row = s.tokens.map((_, j) => values && focus >= 0 && j !== focus ? values[focus][j] : []);
    return { active, stale: active && !fresh, row, values, max, label };
  }
  function decorate(heatmapEl, s, { values, max, label }) {
    const masked = new Set(s.masked);
    heatmapEl.querySelectorAll(".sw-token").forEach((span) => {
      const j = Number(span.dataset.index);
      const isFocus = j === focus;
      span.classList.toggle("sw-focus", isFocus);
      setAttr(span, "data-focus", isFocus ? "true" : null);
      const value = values && focus >= 0 && !isFocus ? pairValue(values, focus, j, s.target) : 0;
      if (!masked.has(j)) paint(span, value, max);
      const hint = readOnly ? "" : isFocus ? "\nClick to unpick" : "\nClick to pick";
      let title;
      if (focus < 0) title = `${shown(s.tokens[j])}${readOnly ? "" : "\nClick to see its interactions"}`;
      else if (isFocus) title = `${shown(s.tokens[j])}: picked; the others show their interaction with it`;
      else title = `${shown(s.tokens[focus])} \xD7 ${shown(s.tokens[j])}: ${formatPrecise(value)} for ${label}`;
      setAttr(span, "title", title + hint + (masked.has(j) ? "\nMasked" : ""));
      setAttr(span, "aria-label", title.split("\n")[0]);
    });
  }
  function clear(heatmapEl) {
    heatmapEl.querySelectorAll(".sw-token.sw-focus").forEach((span) => {
      span.classList.remove("sw-focus");
      span.removeAttribute("data-focus");
    });
  }
  return { bar, legend: legend.el, matrix: matrix.el, update, decorate, clear, pick };
}

// src/probabilities.js
function differs(a, b) {
  return a.length !== b.length || a.some((p, i) => Math.abs(Number(p) - Number(b[i])) > 1e-9);
}
var clampShare = (p) => Math.max(0, Math.min(1, Number(p) || 0));
function createProbabilities({ onSelect }) {
  const el = h("div", { class: "sw-probs" });
  let rows = [];
  let labelsKey = null;
  function rebuild(labels) {
    rows = labels.map((label, i) => {
      const name = h("span", { class: "sw-prob-label", text: String(label), title: String(label) });
      const full = h("span", { class: "sw-prob-full", "aria-hidden": "true" });
      const fill = h("span", { class: "sw-prob-fill", "aria-hidden": "true" });
      const tick = h("span", { class: "sw-prob-tick", "aria-hidden": "true" });
      const value = h("span", { class: "sw-prob-value" });
      const row = h(
        "div",
        { class: "sw-prob", "data-class": i, onclick: () => onSelect(i) },
        [name, h("span", { class: "sw-prob-track" }, [full, fill, tick]), value]
      );
      return { row, full, fill, tick, value };
    });
    el.replaceChildren(...rows.map((r) => r.row));
  }
  function update(s) {
    const key = JSON.stringify(s.labels);
    if (key !== labelsKey) {
      rebuild(s.labels);
      labelsKey = key;
    }
    const after = s.probabilities;
    const before = s.probabilities_full.length ? s.probabilities_full : after;
    const compare = (s.result_for?.masked?.length ?? 0) > 0 || differs(before, after);
    el.hidden = after.length === 0;
    el.classList.toggle("sw-compare", compare);
    rows.forEach(({ row, full, fill, tick, value }, i) => {
      const p = after[i];
      const q = before[i];
      row.classList.toggle("sw-selected", i === s.target);
      setAttr(row, "data-p", plainNumber(p ?? 0));
      setAttr(row, "data-p-full", plainNumber(q ?? 0));
      fill.style.width = `${(clampShare(p) * 100).toFixed(2)}%`;
      full.style.width = `${(clampShare(q) * 100).toFixed(2)}%`;
      tick.style.left = full.style.width;
      full.hidden = !compare;
      tick.hidden = !compare;
      const text = compare ? `${formatPercent(q)} \u2192 ${formatPercent(p)}` : formatPercent(p);
      setText(value, text);
      setAttr(
        row,
        "aria-label",
        compare ? `${s.labels[i]}: ${formatPercent(q)} unmasked, ${formatPercent(p)} masked` : `${s.labels[i]}: ${formatPercent(p)}`
      );
      setAttr(row, "title", compare ? "Probability without masking \u2192 with the current mask" : null);
    });
  }
  return { el, update };
}

// src/view.js
var noop = () => {
};
var ACTIONS = [
  "onToggle",
  "onUndo",
  "onReset",
  "onExplain",
  "onTarget",
  "onPlayers",
  "onMethod",
  "onMaxEvals",
  "onOutput",
  "onMode",
  "onIndex",
  "onFocus",
  "onStop"
];
function createProgress() {
  const fill = h("span", { class: "sw-progress-fill" });
  const label = h("span", { class: "sw-progress-label" });
  const el = h(
    "div",
    { class: "sw-progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-label": "Computing" },
    [h("span", { class: "sw-progress-track" }, [fill]), label]
  );
  function update(s, shownState) {
    const refining = shownState === "refining";
    el.hidden = shownState !== "computing" && !refining;
    const running = s.state === "computing" || refining;
    const share = running ? Math.max(0, Math.min(1, Number(s.progress) || 0)) : 0;
    setAttr(el, "data-progress", String(share));
    setAttr(el, "aria-valuenow", Math.round(share * 100));
    fill.style.width = `${(share * 100).toFixed(1)}%`;
    if (refining) setText(label, refiningLabel(s));
    else setText(label, s.state === "computing" ? `Computing\u2026 ${Math.round(share * 100)}%` : "Waiting for the kernel\u2026");
  }
  return { el, update };
}
function createMeta() {
  const method = h("span", { class: "sw-method-used" });
  const evals = h("span", { class: "sw-n-evals" });
  const truncated = h("span", {
    class: "sw-truncated",
    text: "Input truncated to the model's maximum length"
  });
  const el = h("div", { class: "sw-meta" }, [method, evals, truncated]);
  function update(s) {
    const has = s.tokens.length > 0 && Boolean(s.method_used);
    method.hidden = !has;
    evals.hidden = !has;
    setText(method, s.method_used);
    setAttr(method, "title", "SHAP method used");
    const n = Number(s.n_evals) || 0;
    setText(evals, `${n.toLocaleString("en-US")} evaluation${n === 1 ? "" : "s"}`);
    setAttr(evals, "data-n-evals", n);
    truncated.hidden = !s.truncated;
    el.hidden = !has && !s.truncated;
  }
  return { el, update };
}
function createView(container, actions = {}, { readOnly = false } = {}) {
  const on = Object.fromEntries(ACTIONS.map((name) => [name, actions[name] ?? noop]));
  const explain = () => on.onExplain(input.el.querySelector("textarea").value, pairInput.value());
  const input = createInput({ onExplain: explain });
  const pairInput = createPairInput({ onSubmit: explain });
  const settings = createSettings({
    onPlayers: on.onPlayers,
    onMethod: on.onMethod,
    onMaxEvals: on.onMaxEvals,
    onOutput: on.onOutput
  });
  const classSelect = createClassSelect({ onSelect: on.onTarget });
  const legend = createLegend();
  const maskButtons = createMaskButtons({ onUndo: on.onUndo, onReset: on.onReset });
  const stop = createStopButton({ onStop: on.onStop });
  const progress = createProgress();
  const uncertaintyKey = createUncertaintyKey();
  const error = h("div", { class: "sw-error", role: "alert" });
  const interactions = createInteractions({
    onMode: on.onMode,
    onIndex: on.onIndex,
    onFocus: on.onFocus,
    onToggle: on.onToggle,
    readOnly
  });
  let mode = "attributions";
  const heatmap = createHeatmap({
    onToggle: (i) => mode === "interactions" ? interactions.pick(i) : on.onToggle(i),
    readOnly
  });
  const additive = createAdditive();
  const probabilities = createProbabilities({ onSelect: on.onTarget });
  const faithfulness = createFaithfulness({ readOnly });
  const meta = createMeta();
  const summary = h("div", { class: "sw-summary" }, [additive.el, probabilities.el]);
  const result = h("div", { class: "sw-result" }, [
    interactions.bar,
    h("div", { class: "sw-toolbar" }, [
      classSelect.el,
      legend.el,
      interactions.legend,
      uncertaintyKey.el,
      maskButtons.el
    ]),
    h("div", { class: "sw-progress-row" }, [progress.el, stop.el]),
    error,
    h("div", { class: "sw-heatmap-row" }, [heatmap.el, interactions.matrix]),
    summary,
    faithfulness.el,
    meta.el
  ]);
  const root = h("div", { class: "shap-widget", "data-state": "ready" }, [input.el, pairInput.el, settings.el, result]);
  if (readOnly) {
    setAttr(root, "data-static", "true");
    for (const control of [...input.el.querySelectorAll("button"), ...settings.el.querySelectorAll("*")]) {
      if ("disabled" in control) control.disabled = true;
    }
    for (const box of root.querySelectorAll("textarea")) box.readOnly = true;
    maskButtons.el.hidden = true;
  }
  container.append(root);
  function update(raw) {
    const s = normalize(raw);
    const shownValues = valuesFitTokens(s) ? s.values : [];
    const shownErrors = shownValues.length > 0 && errorsFitValues(s) ? s.errors : [];
    const shownState = displayState(s);
    const stale = isStale(s) && s.tokens.length > 0;
    setAttr(root, "data-state", shownState);
    setAttr(root, "data-stale", stale ? "true" : "false");
    setAttr(root, "aria-busy", shownState === "computing" || shownState === "refining" ? "true" : "false");
    summary.classList.toggle("sw-stale", stale);
    mode = s.mode;
    const shownInteractions = interactions.update(s);
    heatmap.el.classList.toggle("sw-stale", stale || shownInteractions.stale);
    const markedErrors = shownInteractions.active ? [] : shownErrors;
    input.update(s);
    pairInput.update(s);
    settings.update(s);
    classSelect.update(s);
    const label = s.labels[s.target] ?? `class ${s.target}`;
    legend.update(scaleMax(shownValues, s.target, s.masked), label);
    legend.el.hidden = s.tokens.length === 0 || shownInteractions.active;
    maskButtons.update(s);
    progress.update(s, shownState);
    stop.update(s, shownState, readOnly);
    uncertaintyKey.update({ ...s, values: shownValues, errors: markedErrors });
    const showError = s.state === "error";
    error.hidden = !showError;
    setText(error, showError ? s.error || "The explanation failed." : "");
    heatmap.update({ ...s, values: shownInteractions.active ? shownInteractions.row : shownValues, errors: markedErrors });
    if (shownInteractions.active) interactions.decorate(heatmap.el, s, shownInteractions);
    else interactions.clear(heatmap.el);
    additive.update(s);
    probabilities.update(s);
    faithfulness.update(s);
    meta.update(s);
  }
  return {
    root,
    update,
    destroy() {
      root.remove();
    }
  };
}

// src/static.js
function renderStatic({ el, state }) {
  let current = { ...state, pending: false, canUndo: false };
  const view = createView(
    el,
    {
      onTarget(index) {
        if (index === current.target) return;
        current = { ...current, target: index };
        view.update(current);
      },
      onMode(mode) {
        current = { ...current, mode };
        view.update(current);
      },
      onFocus(focus) {
        current = { ...current, focus };
        view.update(current);
      }
    },
    { readOnly: true }
  );
  view.update(current);
  return view;
}

// src/widget.js
var KERNEL_ANSWERS = ["state", "progress", "result_for", "error"];
function render({ model, el }) {
  const history = createHistory();
  let pending = false;
  const snapshot = () => {
    const state = Object.fromEntries(TRAITS.map((name) => [name, model.get(name)]));
    return { ...state, pending, canUndo: history.size > 0 };
  };
  const send = (changes, { awaitsKernel = false } = {}) => {
    if (awaitsKernel) pending = true;
    for (const [name, value] of Object.entries(changes)) model.set(name, value);
    model.save_changes();
    view.update(snapshot());
  };
  const setMask = (next) => {
    if (sameMask(next, model.get("masked"))) view.update(snapshot());
    else send({ masked: sortedMask(next) }, { awaitsKernel: true });
  };
  const view = createView(el, {
    onToggle(index) {
      const current = sortedMask(model.get("masked"));
      history.push(current);
      setMask(toggled(current, index));
    },
    onUndo() {
      const previous = history.pop();
      if (previous) setMask(previous);
    },
    onReset() {
      const current = sortedMask(model.get("masked"));
      if (current.length === 0) return;
      history.push(current);
      setMask([]);
    },
    onExplain(text, textPair = null) {
      const changes = {};
      if (text !== model.get("text")) changes.text = text;
      if (textPair != null && textPair !== model.get("text_pair")) changes.text_pair = textPair;
      if (Object.keys(changes).length === 0) return;
      send(changes, { awaitsKernel: true });
    },
    onTarget(index) {
      if (index !== model.get("target")) send({ target: index });
    },
    onPlayers(players) {
      if (players !== model.get("players")) send({ players }, { awaitsKernel: true });
    },
    onMethod(method) {
      if (method !== model.get("method")) send({ method });
    },
    onMaxEvals(maxEvals) {
      if (maxEvals !== model.get("max_evals")) send({ max_evals: maxEvals });
    },
    onOutput(output) {
      if (output !== model.get("output")) send({ output }, { awaitsKernel: true });
    },
    onMode(mode) {
      if (mode !== model.get("mode")) send({ mode });
    },
    onIndex(index) {
      if (index !== model.get("interaction_index")) send({ interaction_index: index });
    },
    onFocus(focus) {
      if (focus !== model.get("focus")) send({ focus });
    },
    onStop() {
      model.send({ event: "stop", result_for: model.get("result_for") });
    }
  });
  const handlers = TRAITS.map((name) => {
    const handler = () => {
      if (KERNEL_ANSWERS.includes(name)) pending = false;
      if (name === "text" || name === "text_pair" || name === "players") history.clear();
      view.update(snapshot());
    };
    model.on(`change:${name}`, handler);
    return [`change:${name}`, handler];
  });
  view.update(snapshot());
  return () => {
    for (const [event, handler] of handlers) model.off(event, handler);
    view.destroy();
  };
}
var widget_default = { render };
export {
  widget_default as default,
  renderStatic
};
