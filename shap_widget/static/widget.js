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
  "versus",
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
  "comparison",
  "compare_scale",
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
  versus: -1,
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
  comparison: {},
  compare_scale: "shared",
  pending: false,
  canUndo: false
};
var ARRAYS = ["tokens", "labels", "values", "errors", "base_values", "outputs", "probabilities", "probabilities_full", "masked"];
function normalize(raw = {}) {
  const s = { ...DEFAULTS };
  for (const [key, value] of Object.entries(raw)) if (value != null) s[key] = value;
  if (raw.settled === null) s.settled = null;
  for (const key of ARRAYS) if (!Array.isArray(s[key])) s[key] = [];
  for (const key of ["result_for", "faithfulness", "pairs", "comparison"]) {
    if (typeof s[key] !== "object" || Array.isArray(s[key])) s[key] = {};
  }
  s.masked = sortedMask(s.masked);
  s.target = selectedClass(s.target, s.labels.length);
  s.versus = Number.isInteger(Number(s.versus)) && Number(s.versus) < s.labels.length ? Number(s.versus) : -1;
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
var versusOf = (x) => x?.versus == null ? -1 : Number(x.versus);
function sameInput(r, s) {
  return r.text === s.text && (r.text_pair ?? "") === (s.text_pair ?? "") && r.players === s.players && sameMask(r.masked, s.masked) && (r.output == null || r.output === s.output) && versusOf(r) === versusOf(s);
}
function resultMatches(s) {
  const r = s.result_for ?? {};
  if (Object.keys(r).length === 0) return s.text === "" && s.tokens.length === 0;
  return sameInput(r, s);
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
function resultVersus(s) {
  const v = Number(s.result_for?.versus ?? s.versus);
  return Number.isInteger(v) && v >= 0 && v < s.labels.length ? String(s.labels[v]) : null;
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
function fitHeight(textarea) {
  if (!textarea.isConnected) {
    globalThis.requestAnimationFrame?.(() => textarea.isConnected && fitHeight(textarea));
    return;
  }
  textarea.style.height = "auto";
  const border = textarea.offsetHeight - textarea.clientHeight;
  if (textarea.scrollHeight > 0) textarea.style.height = `${textarea.scrollHeight + Math.max(0, border)}px`;
  else textarea.style.height = "";
}
function onThemeChange(redraw) {
  if (typeof MutationObserver !== "function" || !document.body) return () => {
  };
  const watch = new MutationObserver(() => {
    redraw();
    for (const ms of [250, 1e3]) setTimeout(redraw, ms);
  });
  watch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });
  return () => watch.disconnect();
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
function outputLabel(output, label, other = null) {
  if (other != null) {
    if (output === "logit" || output === "log-odds") return `${output}(${label}) \u2212 ${output}(${other})`;
    return `log P(${label}) \u2212 log P(${other})`;
  }
  if (output === "logit") return `logit(${label})`;
  if (output === "log-odds") return `log-odds(${label})`;
  return `P(${label})`;
}

// src/scale.js
var PALETTES = {
  light: { negative: [0, 94, 160], positive: [196, 78, 0] },
  dark: { negative: [86, 180, 233], positive: [232, 112, 40] }
};
var NEGATIVE_RGB = PALETTES.light.negative;
var POSITIVE_RGB = PALETTES.light.positive;
var WHITE = [255, 255, 255];
var GAMMA = 2;
var OUTLIER_RATIO = 2.5;
var ROBUST_QUANTILE = 0.9;
var ROBUST_FROM = 8;
function valueAt(values, index, classIndex) {
  const v = Number(values?.[index]?.[classIndex]);
  return Number.isFinite(v) ? v : 0;
}
function isMissing(values, index, classIndex) {
  const row = values?.[index];
  if (!Array.isArray(row) || row.length <= classIndex) return false;
  const v = row[classIndex];
  return v == null || !Number.isFinite(Number(v));
}
function magnitudes(values, classIndex, masked = []) {
  const skip = new Set(masked);
  const out = [];
  (values ?? []).forEach((_, i) => {
    if (!skip.has(i)) out.push(Math.abs(valueAt(values, i, classIndex)));
  });
  return out;
}
function quantile(xs, q) {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}
function robustMax(values, classIndex, masked = []) {
  const a = magnitudes(values, classIndex, masked);
  const max = a.reduce((x, y) => Math.max(x, y), 0);
  if (a.length < ROBUST_FROM) return max;
  const q = quantile(a, ROBUST_QUANTILE);
  return q > 0 ? Math.min(max, OUTLIER_RATIO * q) : max;
}
function saturatedCount(values, classIndex, masked, max) {
  return max > 0 ? magnitudes(values, classIndex, masked).filter((a) => a > max * (1 + 1e-9)).length : 0;
}
function intensity(value, max, gamma = 1) {
  if (!(max > 0) || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.abs(value) / max) ** gamma;
}
function channelToLinear(c) {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}
function luminance([r, g, b]) {
  return 0.2126 * channelToLinear(r) + 0.7152 * channelToLinear(g) + 0.0722 * channelToLinear(b);
}
function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
function mix(rgb, alpha, background = WHITE) {
  return rgb.map((c, k) => Math.round(background[k] + (c - background[k]) * alpha));
}
function isDark(rgb) {
  return contrast(rgb, WHITE) > contrast(rgb, [0, 0, 0]);
}
function paletteFor(background = WHITE) {
  return isDark(background) ? PALETTES.dark : PALETTES.light;
}
function parseColor(css2) {
  const m = /rgba?\(([^)]+)\)/.exec(String(css2 ?? ""));
  if (!m) return null;
  const parts = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
  if (parts.length < 3 || parts.slice(0, 3).some((x) => !Number.isFinite(x))) return null;
  if (parts.length >= 4 && parts[3] === 0) return null;
  return parts.slice(0, 3).map(Math.round);
}
function backgroundOf(el) {
  const view = el?.ownerDocument?.defaultView;
  for (let node = el; node && node.nodeType === 1 && view; node = node.parentElement) {
    const rgb = parseColor(view.getComputedStyle(node).backgroundColor);
    if (rgb) return rgb;
  }
  return WHITE;
}
var css = (rgb) => `rgb(${rgb.join(", ")})`;
function colorFor(value, max, { background = WHITE, gamma = 1 } = {}) {
  const t = intensity(value, max, gamma);
  if (t === 0) return { background: "transparent", rgb: background, intensity: 0, sign: 0, lightText: false };
  const sign = value < 0 ? -1 : 1;
  const palette = paletteFor(background);
  const rgb = mix(sign < 0 ? palette.negative : palette.positive, Math.round(t * 1e3) / 1e3, background);
  const lightText = contrast(rgb, WHITE) > contrast(rgb, [0, 0, 0]);
  return { background: css(rgb), rgb, intensity: t, sign, lightText, text: lightText ? "rgb(255, 255, 255)" : "rgb(0, 0, 0)" };
}
function paint(el, value, max, background) {
  const color = colorFor(value, max, { background });
  el.style.backgroundColor = color.background === "transparent" ? "" : color.background;
  el.style.color = color.background === "transparent" ? "" : color.text;
  el.classList.toggle("sw-strong", color.lightText);
}
function legendGradient(sign, { background = WHITE, gamma = 1 } = {}) {
  const direction = sign < 0 ? "to left" : "to right";
  const stops = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const c = colorFor(sign * f, 1, { background, gamma });
    return `${f === 0 ? css(background) : c.background} ${f * 100}%`;
  });
  return `linear-gradient(${direction}, ${stops.join(", ")})`;
}
function createScaleKeeper() {
  let kept = { key: null, max: 0, final: false };
  return {
    scale({ key, max, final, rescale = false }) {
      if (rescale) return max;
      if (!(max > 0)) return kept.key === key ? kept.max : max;
      if (kept.key !== key || !kept.final) kept = { key, max, final: Boolean(final) };
      return kept.max;
    },
    reset() {
      kept = { key: null, max: 0, final: false };
    }
  };
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
    setText(target, outputLabel(resultOutput(s), s.labels[c] ?? `class ${c}`, resultVersus(s)));
  }
  return { el, update };
}

// src/compare.js
var NAMES = {
  shap: "SHAP",
  occlusion: "Occlusion",
  lime: "LIME",
  integrated_gradients: "Integrated gradients",
  gradient_x_input: "Gradient \xD7 input",
  attention_rollout: "Attention rollout",
  attention_cls: "Attention (last layer)"
};
var SCALES = [
  ["shared", "Shared scale"],
  ["row", "Scale per row"]
];
var methodName = (m) => NAMES[m] ?? m;
function comparisonAnswers(s) {
  const c = s.comparison ?? {};
  const r = c.result_for ?? {};
  return sameInput(r, s) && r.output === s.output && Number(c.target) === Number(s.target);
}
function rowScales(rows, masked, scale) {
  const skip = new Set(masked);
  const own = rows.map(
    (row) => (row.values ?? []).reduce((m, v, i) => skip.has(i) || !Number.isFinite(v) ? m : Math.max(m, Math.abs(v)), 0)
  );
  if (scale === "row") return own;
  const all = Math.max(0, ...own);
  return own.map(() => all);
}
function figures(row, levels) {
  const at = levels.indexOf(0.2) >= 0 ? levels.indexOf(0.2) : 0;
  const comp = row.comprehensiveness?.[at];
  const suff = row.sufficiency?.[at];
  const q = Math.round((levels[at] ?? 0) * 100);
  const cost = `${row.forward} fwd${row.backward ? ` + ${row.backward} bwd` : ""}`;
  const gap = row.gap == null ? "" : ` \xB7 gap ${Math.abs(row.gap) < 1e-4 ? "<0.01" : formatNumber(100 * row.gap)}%`;
  return {
    text: `comp@${q}% ${formatNumber(comp)} \xB7 suff@${q}% ${formatNumber(suff)} \xB7 ${cost}${gap}`,
    title: `Comprehensiveness (top ${q}% removed): ${formatPrecise(comp)}; sufficiency (top ${q}% kept): ${formatPrecise(suff)}; AOPC deletion ${formatPrecise(row.aopc_deletion)}, insertion ${formatPrecise(row.aopc_insertion)}; cost ${row.forward} forward and ${row.backward} backward passes` + (row.gap == null ? "" : `; completeness gap ${formatPrecise(100 * row.gap)}%`)
  };
}
function createCompare({ onToggle, onScale, readOnly = false }) {
  const scaleButtons = SCALES.map(
    ([value, label]) => h("button", { type: "button", "data-scale": value, text: label, onclick: () => onScale(value) })
  );
  const scaleGroup = h("div", { class: "sw-compare-scale sw-segmented", role: "group", "aria-label": "Scale" }, scaleButtons);
  const status = h("span", { class: "sw-compare-status", role: "status" });
  const table = h("table", { class: "sw-compare-rows" });
  const agreement = h("table", { class: "sw-compare-agreement" });
  const errors = h("ul", { class: "sw-compare-errors" });
  const el = h("div", { class: "sw-compare-panel", hidden: true }, [
    h("div", { class: "sw-compare-bar" }, [scaleGroup, status]),
    h("div", { class: "sw-compare-scroll" }, [table]),
    errors,
    h("details", { class: "sw-compare-agreement-box", open: true }, [
      h("summary", { text: "Rank agreement (Kendall \u03C4)" }),
      agreement
    ])
  ]);
  table.addEventListener("click", (event) => {
    const cell = event.target instanceof Element ? event.target.closest(".sw-compare-token") : null;
    if (cell && table.contains(cell) && !readOnly) onToggle(Number(cell.dataset.index));
  });
  function drawRows(s, c, page) {
    const masked = new Set(s.masked);
    const scales = rowScales(c.rows, s.masked, s.compare_scale);
    const levels = c.levels ?? [];
    const head = h("tr", {}, [
      h("th", { text: "Method" }),
      ...s.tokens.map((t, i) => h("th", { class: "sw-compare-head", "data-index": i, text: String(t?.text ?? "") })),
      h("th", { text: "Faithfulness \xB7 cost" })
    ]);
    const body = c.rows.map((row, r) => {
      const cells = s.tokens.map((t, i) => {
        const v = Number(row.values?.[i]) || 0;
        const isMasked = masked.has(i);
        const td = h("td", {
          class: `sw-compare-token${isMasked ? " sw-masked" : ""}`,
          "data-index": i,
          "data-value": plainNumber(v),
          "data-masked": isMasked ? "true" : "false",
          title: `${t?.text ?? ""}: ${formatPrecise(v)} (${methodName(row.method)})` + (readOnly ? "" : `
${isMasked ? "Masked. Click to restore" : "Click to mask in every row"}`),
          text: String(t?.text ?? "")
        });
        paint(td, isMasked ? 0 : v, scales[r], page);
        return td;
      });
      const f = figures(row, levels);
      return h("tr", { class: "sw-compare-row", "data-method": row.method }, [
        h("th", { class: "sw-compare-name", text: methodName(row.method) }),
        ...cells,
        h("td", { class: "sw-compare-figures", title: f.title, text: f.text })
      ]);
    });
    table.replaceChildren(h("thead", {}, [head]), h("tbody", {}, body));
  }
  function drawAgreement(c, page) {
    const names = c.rows.map((r) => r.method);
    const tau = c.kendall_tau ?? [];
    const head = h("tr", {}, [h("th"), ...names.map((n) => h("th", { text: methodName(n), title: methodName(n) }))]);
    const body = names.map(
      (a, i) => h("tr", {}, [
        h("th", { text: methodName(a) }),
        ...names.map((b, j) => {
          const t = tau[i]?.[j];
          const td = h("td", {
            "data-tau": t == null ? "" : plainNumber(t),
            title: `${methodName(a)} vs ${methodName(b)}: Kendall \u03C4 ${t == null ? "undefined" : formatPrecise(t)}, top-${c.k} overlap ${formatNumber(c.top_k_overlap?.[i]?.[j])}`,
            text: t == null ? "\u2013" : formatNumber(t)
          });
          paint(td, t ?? 0, 1, page);
          return td;
        })
      ])
    );
    agreement.replaceChildren(h("thead", {}, [head]), h("tbody", {}, body));
  }
  function update(s) {
    const active = s.mode === "compare" && s.tokens.length > 0;
    el.hidden = !active;
    for (const button of scaleButtons) {
      setAttr(button, "aria-pressed", button.dataset.scale === s.compare_scale ? "true" : "false");
    }
    if (!active) return;
    const c = s.comparison ?? {};
    const fresh = comparisonAnswers(s);
    setAttr(el, "data-fresh", fresh ? "true" : "false");
    el.classList.toggle("sw-stale", !fresh);
    let line = "";
    if (c.error && fresh) line = `Comparison failed: ${c.error}`;
    else if (!fresh) line = "Comparing methods\u2026";
    else line = `${c.rows.length} methods for ${c.label}. Click a token to mask it in every row`;
    setText(status, line);
    if (!Array.isArray(c.rows) || !Array.isArray(c.rows[0]?.values) || c.rows[0].values.length !== s.tokens.length) {
      table.replaceChildren();
      agreement.replaceChildren();
      errors.replaceChildren();
      return;
    }
    const page = backgroundOf(el);
    drawRows(s, c, page);
    drawAgreement(c, page);
    errors.replaceChildren(
      ...Object.entries(c.errors ?? {}).map(
        ([m, text]) => h("li", { "data-method": m, text: `${methodName(m)}: ${text}` })
      )
    );
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
  if (s.settled == null) return `${n} evaluations`;
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
  textarea.addEventListener("input", () => fitHeight(textarea));
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
      fitHeight(textarea);
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

// src/versus.js
function createVersusSelect({ onSelect }) {
  const select = h("select", { class: "sw-versus", "aria-label": "Contrast with class" });
  select.addEventListener("change", () => onSelect(Number(select.value)));
  const toggle = h("button", { class: "sw-versus-toggle", type: "button", "aria-pressed": "false" });
  toggle.addEventListener(
    "click",
    () => onSelect(toggle.getAttribute("aria-pressed") === "true" ? -1 : Number(toggle.dataset.other))
  );
  const el = h("label", { class: "sw-field sw-versus-field" }, [
    h("span", { class: "sw-field-label", text: "vs" }),
    select,
    toggle
  ]);
  setAttr(
    el,
    "title",
    "Explain why the class rather than this one: each value is the token's share of log P(class) \u2212 log P(this class)"
  );
  let key = null;
  function update(s) {
    const options = [["-1", "none"], ...s.labels.map((label, i) => [String(i), String(label)])];
    const next = JSON.stringify([options, s.target]);
    if (next !== key) {
      key = next;
      select.replaceChildren(
        ...options.map(
          ([value2, label]) => h("option", { value: value2, text: label, disabled: Number(value2) === s.target && s.labels.length > 1 })
        )
      );
    }
    el.hidden = s.labels.length < 2;
    const value = String(s.versus >= 0 && s.versus < s.labels.length ? s.versus : -1);
    if (select.value !== value) select.value = value;
    const two = s.labels.length === 2;
    select.hidden = two;
    toggle.hidden = !two;
    if (two) {
      const other = 1 - s.target;
      toggle.dataset.other = String(other);
      toggle.textContent = String(s.labels[other]);
      setAttr(toggle, "aria-pressed", value === String(other) ? "true" : "false");
      setAttr(toggle, "aria-label", `Contrast with ${s.labels[other]}`);
    }
    setAttr(el, "data-versus", value);
  }
  return { el, update, select, toggle };
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
function fullCurve(f) {
  const c = f?.full_curve;
  return c && !c.error && Array.isArray(c.deletion) && Array.isArray(c.insertion) ? c : null;
}
function stepsNote(f, { waiting = false } = {}) {
  if (!Array.isArray(f.steps)) return `every step (${numbers(f.fractions).length})`;
  const steps = numbers(f.steps);
  const note = `${steps.length} of ${(steps[steps.length - 1] ?? 0) + 1} steps`;
  if (waiting) return `${note} \xB7 measuring every step\u2026`;
  return f.full_curve?.error ? `${note} \xB7 every step failed: ${f.full_curve.error}` : note;
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
function createFaithfulness({ readOnly = false, onFullCurve = null } = {}) {
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
  const note = h("div", { class: "sw-faith-note" });
  const body = h("div", { class: "sw-faith-body" }, [
    h("div", { class: "sw-faith-figure" }, [plot, note]),
    h("div", { class: "sw-faith-numbers" }, [legend, table])
  ]);
  const el = h("details", { class: "sw-faithfulness" }, [
    h("summary", { class: "sw-faith-summary" }, [title, status]),
    body
  ]);
  setAttr(
    el,
    "title",
    "Removes the tokens in the order the explanation ranks them for the selected class, with the same masking as the explanation"
  );
  let drawnKey = null;
  let last = null;
  let asked = null;
  let waiting = false;
  function askFullCurve(s, f) {
    if (readOnly || !onFullCurve || !el.open || !Array.isArray(f.steps) || f.full_curve) return;
    const key = JSON.stringify([s.result_for, s.target]);
    if (asked === key) return;
    asked = key;
    waiting = true;
    onFullCurve({ result_for: s.result_for, target: s.target }, () => {
      if (asked !== key) return;
      waiting = false;
      if (last) update(last);
    });
  }
  el.addEventListener("toggle", () => {
    if (el.open && !waiting) asked = null;
    if (last) update(last);
  });
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
    last = s;
    const shown2 = faithfulnessStatus(s, { readOnly });
    const f = s.faithfulness ?? {};
    el.hidden = shown2 === "none";
    setAttr(el, "data-status", shown2);
    body.hidden = shown2 !== "ready";
    const label = s.labels[s.target] ?? `class ${s.target}`;
    setText(title, `Faithfulness \xB7 ${outputLabel(s.result_for?.output ?? s.output, label, resultVersus(s))}`);
    const messages = {
      ready: `AOPC deletion ${formatNumber(f.aopc_deletion)} \u2191 \xB7 insertion ${formatNumber(f.aopc_insertion)} \u2193`,
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
    askFullCurve(s, f);
    const curves = fullCurve(f) ?? f;
    setText(note, stepsNote(curves, { waiting: waiting && curves === f }));
    setAttr(plot, "data-points", numbers(curves.fractions).length);
    const key = JSON.stringify([curves, s.result_for?.output ?? s.output]);
    if (key !== drawnKey) {
      draw(curves, s.result_for?.output ?? s.output);
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
  textarea.addEventListener("input", () => fitHeight(textarea));
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
      fitHeight(textarea);
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
  const next = h("div", {
    class: "sw-segment",
    "data-segment": segment,
    role: "group",
    "aria-label": segment === 1 ? "Second text" : "First text"
  });
  el.append(next);
  return next;
}

// src/text_safety.js
var INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]/u;
var LAYOUT = /* @__PURE__ */ new Set(["	", "\n", "\r"]);
var NAMES2 = {
  "\xAD": "soft hyphen",
  "\u061C": "Arabic letter mark",
  "\u200B": "zero-width space",
  "\u200C": "zero-width non-joiner",
  "\u200D": "zero-width joiner",
  "\u200E": "left-to-right mark",
  "\u200F": "right-to-left mark",
  "\u202A": "left-to-right embedding",
  "\u202B": "right-to-left embedding",
  "\u202C": "pop directional formatting",
  "\u202D": "left-to-right override",
  "\u202E": "right-to-left override",
  "\u2060": "word joiner",
  "\u2066": "left-to-right isolate",
  "\u2067": "right-to-left isolate",
  "\u2068": "first strong isolate",
  "\u2069": "pop directional isolate",
  "\uFEFF": "zero-width no-break space"
};
function codePoint(ch) {
  return "U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
}
function isInvisible(ch, { keepLayout = false } = {}) {
  return INVISIBLE.test(ch) && !(keepLayout && LAYOUT.has(ch));
}
function visibleParts(text, options = {}) {
  const parts = [];
  let plain = "";
  for (const ch of String(text ?? "")) {
    if (!isInvisible(ch, options)) {
      plain += ch;
      continue;
    }
    if (plain) parts.push({ text: plain });
    plain = "";
    const code = codePoint(ch);
    parts.push({ text: `\u27E8${code}\u27E9`, code, name: NAMES2[ch] ?? "invisible character" });
  }
  if (plain) parts.push({ text: plain });
  return parts;
}
function visibleString(text, options = {}) {
  return visibleParts(text, options).map((p) => p.text).join("");
}
function tokenLabel(text) {
  const s = visibleString(text);
  return s.trim() === "" ? JSON.stringify(s) : s;
}
function setVisibleText(el, text, options = {}) {
  el.replaceChildren(
    ...visibleParts(text, options).map(
      (p) => p.code ? h("span", { class: "sw-invisible", "data-code": p.code, title: `${p.code} ${p.name}`, text: p.text }) : p.text
    )
  );
  return el;
}
function setTokenText(el, text) {
  if (String(text ?? "") !== "") return setVisibleText(el, text);
  const title = "no characters of its own (part of a character split over several tokens)";
  el.replaceChildren(h("span", { class: "sw-invisible", "data-code": "", title, text: "\u25CC" }));
  return el;
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
var MARK_FROM = 0.3;
function markToken(span, value, se, masked, strength = 1) {
  const shown2 = masked ? null : se;
  setAttr(span, "data-se", shown2 == null ? null : plainNumber(shown2));
  span.classList.toggle("sw-uncertain", strength >= MARK_FROM && isUncertain(value, shown2));
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
  setAttr(el, "title", "Dotted underline: the 95% interval (value \xB1 1.96 standard errors) includes 0; marked only on tokens coloured strongly enough to look important");
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
    let word = null;
    tokenEls = tokens.map((token, i) => {
      const next = segmentRow(el, row, tokens, i);
      if (next !== row) word = null;
      row = next;
      const prefix = String(token?.prefix ?? "");
      if (prefix) row.append(setVisibleText(h("span", { class: "sw-prefix" }), prefix, { keepLayout: true }));
      const span = setTokenText(
        h("span", { class: "sw-token", role: "button", tabindex: 0, "data-index": i }),
        token?.text
      );
      const after = tokens[i + 1];
      const nextJoins = Boolean(after?.joined) && !String(after?.prefix ?? "") && after?.segment === token?.segment;
      if (token?.joined && !prefix && word) {
        word.append(span);
      } else if (nextJoins) {
        word = h("span", { class: "sw-word" }, [span]);
        row.append(word);
      } else {
        row.append(span);
      }
      if (!nextJoins) word = null;
      return span;
    });
    if (tokens.length === 0) {
      el.append(h("span", { class: "sw-empty", text: "Enter a text above and press Explain." }));
    }
    if (focused != null) tokenEls[Math.min(focused, tokenEls.length - 1)]?.focus();
  }
  function update(s, { scale = null, background = null } = {}) {
    const key = JSON.stringify(s.tokens.map((t) => [t?.prefix ?? "", t?.text ?? "", Boolean(t?.joined)]));
    if (key !== tokensKey) {
      rebuild(s.tokens);
      tokensKey = key;
    }
    const masked = new Set(s.masked);
    const classIndex = s.target;
    const label = s.labels[classIndex] ?? `class ${classIndex}`;
    const max = scale ?? robustMax(s.values, classIndex, s.masked);
    const page = background ?? backgroundOf(el);
    tokenEls.forEach((span, i) => {
      const value = valueAt(s.values, i, classIndex);
      const missing = isMissing(s.values, i, classIndex);
      const isMasked = masked.has(i);
      const color = colorFor(isMasked ? 0 : value, max, { background: page, gamma: GAMMA });
      const shown2 = tokenLabel(s.tokens[i]?.text ?? "");
      const se = isMasked || missing ? null : errorAt(s.errors, i, classIndex);
      const number = missing ? "no value (missing)" : formatPrecise(value) + errorSuffix(se);
      setAttr(span, "data-masked", isMasked ? "true" : "false");
      setAttr(span, "aria-pressed", isMasked ? "true" : "false");
      setAttr(span, "data-value", missing ? null : plainNumber(value));
      setAttr(span, "data-missing", missing ? "true" : null);
      span.classList.toggle("sw-missing", missing);
      setAttr(span, "aria-label", `${shown2}: ${number}`);
      setAttr(
        span,
        "title",
        `${shown2}: ${number} for ${label}` + (readOnly ? isMasked ? "\nMasked" : "" : `
${isMasked ? "Masked. Click to restore" : "Click to mask"}`)
      );
      span.classList.toggle("sw-masked", isMasked);
      markToken(span, value, se, isMasked, color.intensity);
      span.classList.toggle("sw-strong", color.lightText);
      setAttr(span, "data-strength", color.intensity ? color.intensity.toFixed(3) : "0");
      span.style.backgroundColor = color.background === "transparent" ? "" : color.background;
      span.style.color = color.background === "transparent" ? "" : color.text;
    });
  }
  return { el, update };
}

// src/legend.js
function createLegend({ onRescale = () => {
}, gamma = GAMMA, rescalable = true } = {}) {
  const min = h("span", { class: "sw-legend-tick", "data-tick": "min" });
  const zero = h("span", { class: "sw-legend-tick", "data-tick": "zero", text: "0" });
  const max = h("span", { class: "sw-legend-tick", "data-tick": "max" });
  const negative = h("span", { class: "sw-legend-bar", "aria-hidden": "true" });
  const positive = h("span", { class: "sw-legend-bar", "aria-hidden": "true" });
  const scale = h("span", { class: "sw-legend", role: "img" }, [min, negative, zero, positive, max]);
  const rescale = h("button", {
    class: "sw-rescale",
    type: "button",
    text: "Rescale",
    "aria-pressed": "false",
    title: "Off: one colour scale for this text, kept across clicks. On: fit the scale to every result.",
    onclick: () => onRescale(rescale.getAttribute("aria-pressed") !== "true")
  });
  const el = rescalable ? h("span", { class: "sw-legend-group" }, [scale, rescale]) : scale;
  let gradientKey = null;
  function update(value, label, { background, saturated = 0, rescaling = false, fixed = false } = {}) {
    const flat = !(value > 0);
    const key = JSON.stringify(background ?? null);
    if (key !== gradientKey) {
      negative.style.backgroundImage = legendGradient(-1, { background, gamma });
      positive.style.backgroundImage = legendGradient(1, { background, gamma });
      gradientKey = key;
    }
    setAttr(scale, "data-max", plainNumber(flat ? 0 : value));
    setAttr(scale, "data-min", plainNumber(flat ? 0 : -value));
    setAttr(scale, "data-saturated", saturated);
    setAttr(scale, "data-fixed", fixed ? "true" : "false");
    scale.classList.toggle("sw-legend-flat", flat);
    const beyond = saturated > 0 ? "\u2265" : "";
    setText(min, flat ? "0" : `${beyond}\u2212${formatNumber(value)}`.replace("\u2265\u2212", "\u2264\u2212"));
    setText(max, flat ? "0" : `${beyond}+${formatNumber(value)}`);
    setAttr(rescale, "aria-pressed", rescaling ? "true" : "false");
    const parts = flat ? [`All attributions for ${label} are 0`] : [
      `Colour scale for ${label}: blue lowers, orange raises; full colour at \xB1${formatNumber(value)}`,
      gamma !== 1 ? `strength grows as (|value| / ${formatNumber(value)})^${gamma}, so the largest values stand out` : "",
      saturated > 0 ? `${saturated} token${saturated === 1 ? "" : "s"} beyond the scale shown at full colour` : "",
      !rescalable ? "" : rescaling ? "the scale fits every result" : "the scale stays fixed for this text until Rescale"
    ].filter(Boolean);
    setAttr(scale, "aria-label", parts.join("; "));
    setAttr(scale, "title", parts.join(";\n"));
  }
  return { el, update, bar: scale };
}

// src/interactions.js
var MATRIX_MAX_PLAYERS = 20;
var MODES = [
  ["attributions", "Attributions"],
  ["interactions", "Interactions"],
  ["compare", "Compare"]
];
var INDICES = ["SII", "k-SII"];
function pairsAnswer(s) {
  const p = s.pairs ?? {};
  return sameInput(p.result_for ?? {}, s) && p.index === s.interaction_index;
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
var shown = (token) => tokenLabel(token?.text ?? "");
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
    const page = backgroundOf(el);
    cells.forEach(
      (row, i) => row.forEach((cell, j) => {
        const value = values && i !== j ? pairValue(values, i, j, c) : 0;
        const off = i === j || masked.has(i) || masked.has(j);
        paint(cell, off ? 0 : value, max, page);
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
  const legend = createLegend({ gamma: 1, rescalable: false });
  legend.bar.classList.add("sw-interaction-legend");
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
    legend.update(max, legendLabel, { background: backgroundOf(bar) });
    if (active) matrix.update(s, { c, label, max, values });
    else matrix.el.hidden = true;
    const row = s.tokens.map((_, j) => values && focus >= 0 && j !== focus ? values[focus][j] : []);
    return { active, stale: active && !fresh, row, values, max, label };
  }
  function decorate(heatmapEl, s, { values, max, label }) {
    const masked = new Set(s.masked);
    const page = backgroundOf(heatmapEl);
    heatmapEl.querySelectorAll(".sw-token").forEach((span) => {
      const j = Number(span.dataset.index);
      const isFocus = j === focus;
      span.classList.toggle("sw-focus", isFocus);
      setAttr(span, "data-focus", isFocus ? "true" : null);
      const value = values && focus >= 0 && !isFocus ? pairValue(values, focus, j, s.target) : 0;
      if (!masked.has(j)) paint(span, value, max, page);
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

// src/top.js
var TOP_K = 5;
function topTokens(values, c, masked = [], k = TOP_K) {
  const skip = new Set(masked);
  const entries = (values ?? []).map((_, i) => ({ i, value: valueAt(values, i, c) })).filter(({ i, value }) => !skip.has(i) && value !== 0);
  const up = entries.filter((e) => e.value > 0).sort((a, b) => b.value - a.value || a.i - b.i);
  const down = entries.filter((e) => e.value < 0).sort((a, b) => a.value - b.value || a.i - b.i);
  return { up: up.slice(0, k), down: down.slice(0, k) };
}
var signed = (v) => (v > 0 ? "+" : v < 0 ? "\u2212" : "") + formatNumber(Math.abs(v));
function createTopTokens() {
  const up = h("span", { class: "sw-top-list", "data-sign": "up" });
  const down = h("span", { class: "sw-top-list", "data-sign": "down" });
  const upLabel = h("span", { class: "sw-top-label" });
  const downLabel = h("span", { class: "sw-top-label" });
  const el = h("div", { class: "sw-top" }, [
    h("span", { class: "sw-top-part" }, [upLabel, up]),
    h("span", { class: "sw-top-part" }, [downLabel, down])
  ]);
  const item = (s, { i, value }) => {
    const se = errorAt(s.errors, i, s.target);
    const text = String(s.tokens[i]?.text ?? "");
    return h("span", { class: "sw-top-item", "data-index": i, "data-value": plainNumber(value) }, [
      h("span", { class: "sw-top-token", text: text.trim() === "" ? JSON.stringify(text) : text }),
      h("span", { class: "sw-top-value", text: ` ${signed(value)}${errorSuffix(se).replace(" \xB1 ", "\xB1")}` })
    ]);
  };
  function update(s, { label, hidden = false }) {
    const top = topTokens(s.values, s.target, s.masked);
    el.hidden = hidden || s.values.length === 0 || top.up.length + top.down.length === 0;
    setText(upLabel, `Raise ${label}: `);
    setText(downLabel, `Lower: `);
    up.replaceChildren(...top.up.length ? top.up.map((e) => item(s, e)) : [h("span", { text: "none" })]);
    down.replaceChildren(...top.down.length ? top.down.map((e) => item(s, e)) : [h("span", { text: "none" })]);
    setAttr(el, "aria-label", `Top tokens for ${label}`);
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
  "onVersus",
  "onPlayers",
  "onMethod",
  "onMaxEvals",
  "onOutput",
  "onMode",
  "onIndex",
  "onFocus",
  "onStop",
  "onScale",
  "onFullCurve"
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
    const budget = Number(s.max_evals) || 0;
    const spent = refining && budget > 0 ? (Number(s.n_evals) || 0) / budget : 0;
    const share = running ? Math.max(0, Math.min(1, Math.max(Number(s.progress) || 0, spent))) : 0;
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
  const versusSelect = createVersusSelect({ onSelect: on.onVersus });
  let rescaling = false;
  const keeper = createScaleKeeper();
  const legend = createLegend({
    onRescale(on2) {
      rescaling = on2;
      keeper.reset();
      if (last) update(last);
    }
  });
  const top = createTopTokens();
  let last = null;
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
  const faithfulness = createFaithfulness({ readOnly, onFullCurve: on.onFullCurve });
  const meta = createMeta();
  const compare = createCompare({ onToggle: on.onToggle, onScale: on.onScale, readOnly });
  const summary = h("div", { class: "sw-summary" }, [additive.el, probabilities.el]);
  const result = h("div", { class: "sw-result" }, [
    interactions.bar,
    h("div", { class: "sw-toolbar" }, [
      classSelect.el,
      versusSelect.el,
      legend.el,
      interactions.legend,
      uncertaintyKey.el,
      // in the toolbar's own line, so that coming and going it moves nothing below
      h("div", { class: "sw-progress-row" }, [progress.el, stop.el]),
      maskButtons.el
    ]),
    error,
    h("div", { class: "sw-heatmap-row" }, [heatmap.el, interactions.matrix]),
    top.el,
    compare.el,
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
    versusSelect.select.disabled = true;
    versusSelect.toggle.disabled = true;
  }
  container.append(root);
  function update(raw) {
    last = raw;
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
    versusSelect.update(s);
    const label = s.labels[s.target] ?? `class ${s.target}`;
    const shownLabel = s.versus >= 0 && s.labels[s.versus] != null ? `${label} vs ${s.labels[s.versus]}` : label;
    const background = backgroundOf(heatmap.el);
    const scale = keeper.scale({
      key: JSON.stringify([s.text, s.text_pair, s.players, s.target, s.versus, resultOutput(s)]),
      max: shownValues.length ? robustMax(shownValues, s.target, s.masked) : 0,
      final: shownState === "ready",
      rescale: rescaling
    });
    legend.update(scale, shownLabel, {
      background,
      saturated: saturatedCount(shownValues, s.target, s.masked, scale),
      rescaling,
      fixed: !rescaling
    });
    legend.el.hidden = s.tokens.length === 0 || shownInteractions.active;
    maskButtons.update(s);
    progress.update(s, shownState);
    stop.update(s, shownState, readOnly);
    uncertaintyKey.update({ ...s, values: shownValues, errors: markedErrors });
    const showError = s.state === "error";
    error.hidden = !showError;
    setText(error, showError ? s.error || "The explanation failed." : "");
    heatmap.update(
      { ...s, values: shownInteractions.active ? shownInteractions.row : shownValues, errors: markedErrors },
      shownInteractions.active ? { background } : { scale, background }
    );
    top.update({ ...s, values: shownValues, errors: shownErrors }, { label: shownLabel, hidden: shownInteractions.active });
    if (shownInteractions.active) interactions.decorate(heatmap.el, s, shownInteractions);
    else interactions.clear(heatmap.el);
    additive.update(s);
    probabilities.update(s);
    faithfulness.update(s);
    meta.update(s);
    compare.update(s);
  }
  const stopWatching = onThemeChange(() => last && update(last));
  return {
    root,
    update,
    destroy() {
      stopWatching();
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
var SETTLED = ["ready", "error"];
function render({ model, el }) {
  const history = createHistory();
  let pending = false;
  let unsettled = false;
  let firstResult = false;
  let asks = 0;
  const answers = /* @__PURE__ */ new Map();
  const snapshot = () => {
    const state = Object.fromEntries(TRAITS.map((name) => [name, model.get(name)]));
    return { ...state, pending, canUndo: history.size > 0 };
  };
  const send = (changes, { awaitsKernel = false } = {}) => {
    if (awaitsKernel) pending = true;
    unsettled = true;
    firstResult = false;
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
      const target = model.get("target");
      if (index === target) return;
      if (index === model.get("versus")) send({ target: index, versus: target }, { awaitsKernel: true });
      else send({ target: index });
    },
    onVersus(versus) {
      if (versus !== model.get("versus")) send({ versus }, { awaitsKernel: true });
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
    onScale(scale) {
      if (scale !== model.get("compare_scale")) send({ compare_scale: scale });
    },
    onFullCurve({ result_for, target }, answered) {
      asks += 1;
      answers.set(asks, answered);
      model.send({ event: "full_curve", id: asks, result_for, target });
    },
    onStop() {
      model.send({ event: "stop", result_for: model.get("result_for") });
    }
  });
  const settled = (current) => !current.pending && SETTLED.includes(current.state) && (current.state === "error" || resultMatches(normalize(current)));
  const reportSettled = () => {
    if (!unsettled || !settled(snapshot())) return;
    unsettled = false;
    if (firstResult && el.closest(".jp-OutputArea-output")) {
      firstResult = false;
      return;
    }
    firstResult = false;
    model.set("shown_for", model.get("result_for"));
    model.save_changes();
  };
  const handlers = TRAITS.map((name) => {
    const handler = () => {
      if (KERNEL_ANSWERS.includes(name)) pending = false;
      if (name === "text" || name === "text_pair" || name === "players") history.clear();
      view.update(snapshot());
      if (KERNEL_ANSWERS.includes(name)) reportSettled();
    };
    model.on(`change:${name}`, handler);
    return [`change:${name}`, handler];
  });
  const onMessage = (content) => {
    const answered = answers.get(content?.id);
    if (content?.event !== "full_curve" || !answered) return;
    answers.delete(content.id);
    answered(Boolean(content.done));
  };
  model.on("msg:custom", onMessage);
  view.update(snapshot());
  unsettled = !settled(snapshot());
  firstResult = unsettled;
  return () => {
    for (const [event, handler] of handlers) model.off(event, handler);
    model.off("msg:custom", onMessage);
    view.destroy();
  };
}
var widget_default = { render };
export {
  widget_default as default,
  renderStatic
};
