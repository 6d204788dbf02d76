// src/dataset_state.js
var TRAITS = [
  "labels",
  "players",
  "has_labels",
  "rows",
  "visible",
  "sort_by",
  "sort_descending",
  "filter_misclassified",
  "filter_predicted",
  "filter_label",
  "filter_token",
  "selected",
  "versus",
  "global_target",
  "global_min_count",
  "global_top",
  "global_tokens",
  "state",
  "progress",
  "n_explained",
  "error",
  "methods",
  "method_rows"
];
var DEFAULTS = {
  labels: [],
  players: "token",
  has_labels: false,
  rows: [],
  visible: [],
  sort_by: "index",
  sort_descending: false,
  filter_misclassified: false,
  filter_predicted: -1,
  filter_label: -1,
  filter_token: "",
  selected: -1,
  versus: -1,
  global_target: 0,
  global_min_count: 1,
  global_top: 30,
  global_tokens: [],
  state: "ready",
  progress: 0,
  n_explained: 0,
  error: "",
  methods: [],
  method_rows: {}
};
var ARRAYS = ["labels", "rows", "visible", "global_tokens", "methods"];
var COLUMNS = [
  { key: "index", label: "#", title: "Row", descFirst: false, numeric: true },
  { key: "text", label: "Text", title: "Text", descFirst: false },
  { key: "label", label: "Label", title: "True label", descFirst: false, needsLabels: true },
  { key: "predicted", label: "Predicted", title: "Predicted class", descFirst: false },
  { key: "probability", label: "Prob.", title: "Probability of the predicted class", descFirst: true, numeric: true },
  { key: "loss", label: "Loss", title: "Cross-entropy of the true label", descFirst: true, numeric: true, needsLabels: true },
  {
    key: "correct",
    label: "OK",
    title: "Whether the prediction equals the label (ascending: misclassified first)",
    descFirst: false,
    needsLabels: true
  },
  {
    key: "disagreement",
    label: "Disagree.",
    title: "How far the other methods' rankings of the tokens depart from SHAP's (mean 1 \u2212 Kendall \u03C4; 0 same order, 2 reversed)",
    descFirst: true,
    numeric: true,
    needsMethods: true
  }
];
function normalize(raw = {}) {
  const s = { ...DEFAULTS };
  for (const [key, value] of Object.entries(raw)) if (value != null) s[key] = value;
  for (const key of ARRAYS) if (!Array.isArray(s[key])) s[key] = [];
  s.visible = s.visible.map(Number).filter((i) => Number.isInteger(i) && i >= 0 && i < s.rows.length);
  s.selected = Number.isInteger(Number(s.selected)) ? Number(s.selected) : -1;
  s.versus = Number.isInteger(Number(s.versus)) && Number(s.versus) < s.labels.length ? Number(s.versus) : -1;
  return s;
}
function nextSort(s, key) {
  if (s.sort_by === key) return { sort_by: key, sort_descending: !s.sort_descending };
  const column = COLUMNS.find((c) => c.key === key);
  return { sort_by: key, sort_descending: Boolean(column?.descFirst) };
}
function hasFilter(s) {
  return Boolean(s.filter_misclassified || s.filter_predicted >= 0 || s.filter_label >= 0 || String(s.filter_token).trim());
}
function sameToken(a, b) {
  return String(a ?? "").trim().toLowerCase() === String(b ?? "").trim().toLowerCase();
}
function className(s, index) {
  if (index == null || index < 0) return "";
  return String(s.labels[index] ?? `class ${index}`);
}
function isContrast(s) {
  return s.versus >= 0;
}
function contrastName(s, index) {
  const name = className(s, index);
  return isContrast(s) && name ? `${name} vs ${className(s, s.versus)}` : name;
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

// src/dataset_filters.js
function setClassOptions(select, anyLabel, labels) {
  const key = JSON.stringify([anyLabel, labels]);
  if (select.dataset.options === key) return;
  select.dataset.options = key;
  select.replaceChildren(
    h("option", { value: "-1", text: anyLabel }),
    ...labels.map((label, i) => h("option", { value: String(i), text: String(label) }))
  );
}
function createFilters({ onFilter }) {
  const misclassified = h("input", { type: "checkbox", class: "sw-filter-misclassified" });
  misclassified.addEventListener("change", () => onFilter({ filter_misclassified: misclassified.checked }));
  const misclassifiedField = h("label", { class: "sw-field sw-check" }, [misclassified, "Misclassified only"]);
  const predicted = h("select", { class: "sw-filter-predicted", "aria-label": "Predicted class" });
  predicted.addEventListener("change", () => onFilter({ filter_predicted: Number(predicted.value) }));
  const label = h("select", { class: "sw-filter-label", "aria-label": "True label" });
  label.addEventListener("change", () => onFilter({ filter_label: Number(label.value) }));
  const token = h("input", {
    type: "search",
    class: "sw-filter-token",
    placeholder: "Contains token\u2026",
    "aria-label": "Only examples that contain this token",
    spellcheck: "false",
    autocomplete: "off"
  });
  token.addEventListener("input", () => onFilter({ filter_token: token.value }));
  const clear = h("button", { type: "button", class: "sw-filter-clear", text: "Clear filters" });
  clear.addEventListener(
    "click",
    () => onFilter({ filter_misclassified: false, filter_predicted: -1, filter_label: -1, filter_token: "" })
  );
  const count = h("span", { class: "sw-count", "aria-live": "polite" });
  const el = h("div", { class: "sw-filters", role: "group", "aria-label": "Filters" }, [
    misclassifiedField,
    predicted,
    label,
    token,
    clear,
    count
  ]);
  let syncedToken = null;
  function update(s) {
    misclassified.checked = Boolean(s.filter_misclassified);
    misclassified.disabled = !s.has_labels;
    misclassifiedField.hidden = !s.has_labels;
    setClassOptions(predicted, "Any prediction", s.labels);
    predicted.value = String(s.filter_predicted);
    setClassOptions(label, "Any label", s.labels);
    label.value = String(s.filter_label);
    label.hidden = !s.has_labels;
    if (s.filter_token !== syncedToken) {
      if (token.value !== s.filter_token) token.value = s.filter_token;
      syncedToken = s.filter_token;
    }
    clear.disabled = !hasFilter(s);
    const n = s.visible.length;
    setText(count, `${n} of ${s.rows.length} example${s.rows.length === 1 ? "" : "s"}`);
    setAttr(count, "data-count", n);
  }
  return { el, update };
}

// src/scale.js
var PALETTES = {
  light: { negative: [0, 94, 160], positive: [196, 78, 0] },
  dark: { negative: [86, 180, 233], positive: [232, 112, 40] }
};
var NEGATIVE_RGB = PALETTES.light.negative;
var POSITIVE_RGB = PALETTES.light.positive;
var WHITE = [255, 255, 255];
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

// src/text_safety.js
var INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]/u;
var LAYOUT = /* @__PURE__ */ new Set(["	", "\n", "\r"]);
var NAMES = {
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
    parts.push({ text: `\u27E8${code}\u27E9`, code, name: NAMES[ch] ?? "invisible character" });
  }
  if (plain) parts.push({ text: plain });
  return parts;
}
function visibleString(text, options = {}) {
  return visibleParts(text, options).map((p) => p.text).join("");
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

// src/dataset_global.js
var RANKING_HELP = "Ranked by a 95% lower bound on |mean SHAP| over each token's occurrences (|mean| \u2212 1.96 \xB7 sd / \u221Acount): tokens that push the same way every time come first; frequent words whose values are small or change sign (stopwords, punctuation) do not win on frequency alone.";
var RANKING_NOTE = "ranked by a 95% lower bound on |mean SHAP| (consistent tokens first, not frequent ones)";
var CONTRAST_NOTE = (s) => `values explain log P(class) \u2212 log P(${className(s, s.versus)})`;
function createGlobalView({ onToken, onTarget, onMinCount }) {
  const target = h("select", { class: "sw-global-class", "aria-label": "Class" });
  target.addEventListener("change", () => onTarget(Number(target.value)));
  const minCount = h("input", {
    type: "number",
    class: "sw-global-min-count",
    min: 1,
    step: 1,
    inputmode: "numeric",
    "aria-label": "Minimum number of occurrences",
    title: "Only tokens that occur at least this often"
  });
  let shownMinCount = null;
  minCount.addEventListener("change", () => {
    const n = Math.round(Number(minCount.value));
    if (Number.isFinite(n) && n >= 1) onMinCount(n);
    else minCount.value = String(shownMinCount);
  });
  const heading = h("div", { class: "sw-global-head" }, [
    h("span", { class: "sw-global-title", text: "Surest tokens towards", title: RANKING_HELP }),
    target,
    h("label", { class: "sw-field" }, [h("span", { class: "sw-field-label", text: "min. count" }), minCount])
  ]);
  const list = h("ol", { class: "sw-global-list" });
  const empty = h("div", { class: "sw-global-empty sw-empty" });
  const note = h("div", { class: "sw-global-note", text: RANKING_NOTE, title: RANKING_HELP });
  const el = h("section", { class: "sw-global", "aria-label": "Tokens ranked across the set" }, [
    heading,
    note,
    list,
    empty
  ]);
  list.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest(".sw-global-token") : null;
    if (button && list.contains(button)) onToken(button.dataset.token);
  });
  let optionsKey = null;
  let itemsKey = null;
  const strength = (stat) => Number(stat.bound ?? Math.abs(Number(stat.mean))) || 0;
  function item(s, stat, max, palette) {
    const share = max > 0 ? Math.min(1, strength(stat) / max) : 0;
    const rgb = Number(stat.mean) < 0 ? palette.negative : palette.positive;
    const fill = h("span", { class: "sw-global-fill" });
    fill.style.width = `${(share * 100).toFixed(1)}%`;
    fill.style.background = `rgb(${rgb.join(", ")})`;
    const label = contrastName(s, s.global_target);
    const direction = Number(stat.mean) < 0 ? `away from ${label}` : `towards ${label}`;
    const button = h(
      "button",
      {
        type: "button",
        class: "sw-global-token",
        "data-token": stat.token,
        "data-mean-abs": stat.mean_abs,
        "data-bound": stat.bound ?? null,
        "data-count": stat.count,
        "data-examples": stat.examples,
        title: `mean ${formatPrecise(stat.mean)} (${direction}), 95% lower bound on |mean| ${formatNumber(strength(stat))}, mean |SHAP| ${formatPrecise(stat.mean_abs).replace("+", "")}; ${stat.count} occurrence${stat.count === 1 ? "" : "s"} in ${stat.examples} example${stat.examples === 1 ? "" : "s"}
Click to show only the examples that contain it`
      },
      [
        setTokenText(h("span", { class: "sw-global-name" }), stat.token),
        h("span", { class: "sw-global-bar", "aria-hidden": "true" }, [fill]),
        h("span", { class: "sw-global-value sw-num", text: (Number(stat.mean) > 0 ? "+" : "") + formatNumber(stat.mean) }),
        h("span", { class: "sw-global-count sw-num", text: `\xD7${stat.count}` })
      ]
    );
    return h("li", {}, [button]);
  }
  function update(s) {
    const key = JSON.stringify([s.labels, s.versus]);
    if (key !== optionsKey) {
      optionsKey = key;
      const classes = s.labels.map((_, i) => i).filter((i) => i !== s.versus);
      target.replaceChildren(...classes.map((i) => h("option", { value: String(i), text: contrastName(s, i) })));
      setText(note, isContrast(s) ? `${CONTRAST_NOTE(s)}; ${RANKING_NOTE}` : RANKING_NOTE);
      setAttr(el, "data-versus", String(s.versus));
    }
    target.value = String(s.global_target);
    if (document.activeElement !== minCount || shownMinCount !== s.global_min_count) {
      minCount.value = String(s.global_min_count);
    }
    shownMinCount = s.global_min_count;
    const tokensKey = JSON.stringify([s.global_tokens, s.global_target, s.labels, s.versus]);
    if (tokensKey !== itemsKey) {
      itemsKey = tokensKey;
      const max = Math.max(0, ...s.global_tokens.map(strength));
      const palette = paletteFor(backgroundOf(el));
      list.replaceChildren(...s.global_tokens.map((stat) => item(s, stat, max, palette)));
    }
    for (const button of list.querySelectorAll(".sw-global-token")) {
      setAttr(button, "aria-pressed", sameToken(button.dataset.token, s.filter_token) ? "true" : "false");
    }
    empty.hidden = s.global_tokens.length > 0;
    let message = `No token occurs ${s.global_min_count} or more times in the explained examples.`;
    if (s.state === "predicting" || s.state === "explaining" && s.n_explained === 0) {
      message = "Tokens appear here as the examples are explained.";
    } else if (s.state !== "explaining" && s.n_explained === 0) {
      message = "No examples were explained.";
    }
    setText(empty, message);
  }
  return { el, update };
}

// src/dataset_table.js
var NAV_KEYS = { ArrowUp: -1, ArrowDown: 1 };
function cellText(s, row, key) {
  switch (key) {
    case "index":
      return String(row.index);
    case "text":
      return row.text_pair == null ? String(row.text ?? "") : `${row.text ?? ""} \u2016 ${row.text_pair}`;
    case "label":
      return row.label == null ? "\u2013" : className(s, row.label);
    case "predicted":
      return row.predicted == null ? "\u2026" : className(s, row.predicted);
    case "probability":
      return row.probability == null ? "\u2026" : formatPercent(row.probability);
    case "loss":
      return row.loss == null ? "\u2013" : formatNumber(row.loss);
    case "correct":
      if (row.correct == null) return "";
      return row.correct ? "\u2713" : "\u2717";
    case "disagreement":
      return row.disagreement == null ? "\u2013" : formatNumber(row.disagreement);
    default:
      return "";
  }
}
function correctAttr(row) {
  if (row.correct == null) return "unknown";
  return row.correct ? "true" : "false";
}
function rowTitle(s, row) {
  const parts = [];
  if (Array.isArray(row.probabilities) && row.probabilities.length) {
    parts.push(row.probabilities.map((p, c) => `P(${className(s, c)}) = ${formatPercent(p)}`).join(", "));
  }
  return parts.join("\n");
}
function createTable({ onSort, onSelect }) {
  const headRow = h("tr");
  const thead = h("thead", {}, [headRow]);
  const tbody = h("tbody");
  const table = h("table", { class: "sw-table", "aria-label": "Examples; choose one to explain it" }, [thead, tbody]);
  const empty = h("div", { class: "sw-no-rows sw-empty" });
  const el = h("div", { class: "sw-table-wrap" }, [table, empty]);
  let headKey = null;
  let rowEls = /* @__PURE__ */ new Map();
  let rowsRef = null;
  let rowsKey = null;
  let orderKey = null;
  const indexOf = (target) => {
    const tr = target instanceof Element ? target.closest("tr.sw-row") : null;
    return tr && tbody.contains(tr) ? Number(tr.dataset.index) : null;
  };
  thead.addEventListener("click", (event) => {
    const th = event.target instanceof Element ? event.target.closest("th[data-sort]") : null;
    if (th) onSort(th.dataset.sort);
  });
  tbody.addEventListener("click", (event) => {
    const i = indexOf(event.target);
    if (i != null) onSelect(i);
  });
  tbody.addEventListener("keydown", (event) => {
    const i = indexOf(event.target);
    if (i == null) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onSelect(i);
    } else if (event.key in NAV_KEYS || event.key === "Home" || event.key === "End") {
      event.preventDefault();
      const shown = [...tbody.querySelectorAll("tr.sw-row")];
      const at = shown.findIndex((tr) => Number(tr.dataset.index) === i);
      let next = at + (NAV_KEYS[event.key] ?? 0);
      if (event.key === "Home") next = 0;
      if (event.key === "End") next = shown.length - 1;
      shown[Math.max(0, Math.min(shown.length - 1, next))]?.focus();
    }
  });
  function columnsFor(s) {
    return COLUMNS.filter((c) => (s.has_labels || !c.needsLabels) && (s.methods.length > 0 || !c.needsMethods));
  }
  function renderHead(s) {
    const columns = columnsFor(s);
    const key = JSON.stringify(columns.map((c) => c.key));
    if (key !== headKey) {
      headKey = key;
      headRow.replaceChildren(
        ...columns.map(
          (c) => h("th", { "data-sort": c.key, class: `sw-col-${c.key}${c.numeric ? " sw-num" : ""}`, scope: "col" }, [
            h("button", { type: "button", class: "sw-sort", title: `Sort by: ${c.title}` }, [
              c.label,
              h("span", { class: "sw-sort-arrow", "aria-hidden": "true" })
            ])
          ])
        )
      );
    }
    for (const th of headRow.children) {
      const active = th.dataset.sort === s.sort_by;
      const direction = s.sort_descending ? "descending" : "ascending";
      setAttr(th, "aria-sort", active ? direction : "none");
      setText(th.querySelector(".sw-sort-arrow"), active ? s.sort_descending ? "\u25BC" : "\u25B2" : "");
    }
    return columns;
  }
  function buildRow(s, row, columns) {
    const tr = h("tr", { class: "sw-row", "data-index": row.index, tabindex: 0 });
    for (const c of columns) {
      const text = cellText(s, row, c.key);
      const td = h("td", { class: `sw-col-${c.key}${c.numeric ? " sw-num" : ""}` });
      if (c.key === "text") {
        td.append(setVisibleText(h("span", { class: "sw-row-text", title: visibleString(text) }), text));
      } else td.textContent = text;
      if (c.key === "correct" && row.correct != null) {
        setAttr(td, "aria-label", row.correct ? "correct" : "misclassified");
      }
      tr.append(td);
    }
    setAttr(tr, "data-correct", correctAttr(row));
    setAttr(tr, "title", rowTitle(s, row) || null);
    if (row.correct === false) tr.classList.add("sw-wrong");
    return tr;
  }
  function update(s) {
    const columns = renderHead(s);
    const key = `${headKey}|${JSON.stringify(s.labels)}`;
    if (s.rows !== rowsRef || key !== rowsKey) {
      const focused = indexOf(document.activeElement);
      rowsRef = s.rows;
      rowsKey = key;
      rowEls = new Map(s.rows.map((row, i) => [i, buildRow(s, { ...row, index: row.index ?? i }, columns)]));
      orderKey = null;
      tbody.replaceChildren();
      renderOrder(s);
      if (focused != null) rowEls.get(focused)?.focus();
    } else {
      renderOrder(s);
    }
    for (const [i, tr] of rowEls) {
      const selected = i === s.selected;
      tr.classList.toggle("sw-selected", selected);
      setAttr(tr, "aria-selected", selected ? "true" : "false");
      setAttr(tr, "data-selected", selected ? "true" : "false");
    }
    empty.hidden = s.visible.length > 0;
    setText(empty, s.rows.length === 0 ? "No examples." : "No examples match the filters.");
  }
  function renderOrder(s) {
    const key = s.visible.join(",");
    if (key === orderKey) return;
    orderKey = key;
    const focused = indexOf(document.activeElement);
    tbody.replaceChildren(...s.visible.map((i) => rowEls.get(i)).filter(Boolean));
    if (focused != null && s.visible.includes(focused)) rowEls.get(focused)?.focus();
  }
  return { el, update };
}

// src/compare.js
var NAMES2 = {
  shap: "SHAP",
  occlusion: "Occlusion",
  lime: "LIME",
  integrated_gradients: "Integrated gradients",
  gradient_x_input: "Gradient \xD7 input",
  attention_rollout: "Attention rollout",
  attention_cls: "Attention (last layer)"
};
var methodName = (m) => NAMES2[m] ?? m;
function rowScales(rows, masked, scale) {
  const skip = new Set(masked);
  const own = rows.map(
    (row) => (row.values ?? []).reduce((m, v, i) => skip.has(i) || !Number.isFinite(v) ? m : Math.max(m, Math.abs(v)), 0)
  );
  if (scale === "row") return own;
  const all = Math.max(0, ...own);
  return own.map(() => all);
}

// src/dataset_methods.js
function disagreementText(d) {
  return d == null || !Number.isFinite(Number(d)) ? "" : `disagreement ${Number(d).toFixed(3)}`;
}
function createMethodRows() {
  const caption = h("div", { class: "sw-methods-caption", role: "status" });
  const table = h("table", { class: "sw-methods-rows" });
  const el = h("div", { class: "sw-methods", hidden: true }, [caption, h("div", { class: "sw-methods-scroll" }, [table])]);
  function draw(m) {
    const tokens = m.tokens;
    const scales = rowScales(m.rows, [], "row");
    const page = backgroundOf(el);
    const head = h("tr", {}, [
      h("th", { text: "Method" }),
      ...tokens.map((t, i) => h("th", { class: "sw-methods-head", "data-index": i, text: String(t ?? "") })),
      h("th", { text: "vs SHAP" })
    ]);
    const body = m.rows.map(
      (row, r) => h("tr", { class: "sw-methods-row", "data-method": row.method, "data-disagreement": row.disagreement == null ? "" : plainNumber(row.disagreement) }, [
        h("th", { class: "sw-methods-name", text: methodName(row.method) }),
        ...tokens.map((t, i) => {
          const v = Number(row.values?.[i]) || 0;
          const td = h("td", {
            class: "sw-methods-token",
            "data-index": i,
            "data-value": plainNumber(v),
            title: `${t ?? ""}: ${formatPrecise(v)} (${methodName(row.method)})`,
            text: String(t ?? "")
          });
          paint(td, v, scales[r], page);
          return td;
        }),
        h("td", {
          class: "sw-methods-figure",
          title: row.disagreement == null ? "" : `1 \u2212 Kendall \u03C4 between SHAP's ranking of the tokens and ${methodName(row.method)}'s`,
          text: disagreementText(row.disagreement)
        })
      ])
    );
    table.replaceChildren(h("thead", {}, [head]), h("tbody", {}, body));
  }
  function update(s) {
    const m = s.method_rows ?? {};
    const shown = s.methods.length > 0 && s.selected >= 0;
    el.hidden = !shown;
    if (!shown) return;
    const ok = m.index === s.selected && Array.isArray(m.rows) && Array.isArray(m.tokens) && m.rows.every((row) => Array.isArray(row.values) && row.values.length === m.tokens.length);
    setAttr(el, "data-row", ok ? String(m.index) : "");
    if (!ok) {
      table.replaceChildren();
      setText(caption, "This row has no other methods' values (it was not in the saved run).");
      return;
    }
    const mean = m.disagreement == null ? "" : ` \xB7 mean disagreement with SHAP ${Number(m.disagreement).toFixed(3)}`;
    setText(caption, `Row ${m.index} by method, for ${m.label}${mean}`);
    draw(m);
  }
  return { el, update };
}

// src/dataset_view.js
var noop = () => {
};
var ACTIONS = ["onSort", "onSelect", "onFilter", "onToken", "onTarget", "onMinCount"];
function createProgress() {
  const fill = h("span", { class: "sw-progress-fill" });
  const label = h("span", { class: "sw-progress-label" });
  const el = h(
    "div",
    { class: "sw-progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-label": "Explaining the examples" },
    [h("span", { class: "sw-progress-track" }, [fill]), label]
  );
  function update(s) {
    el.hidden = s.state !== "predicting" && s.state !== "explaining";
    const share = Math.max(0, Math.min(1, Number(s.progress) || 0));
    setAttr(el, "data-progress", String(share));
    setAttr(el, "aria-valuenow", Math.round(share * 100));
    fill.style.width = `${(share * 100).toFixed(1)}%`;
    const n = s.rows.length;
    setText(
      label,
      s.state === "predicting" ? `Predicting ${n} example${n === 1 ? "" : "s"}\u2026` : `Explaining ${s.n_explained} / ${n} (${Math.round(share * 100)}%)`
    );
  }
  return { el, update };
}
function selectionText(s) {
  const row = s.rows[s.selected];
  if (!row) return "Choose a row to see its explanation below.";
  const parts = [`Row ${row.index ?? s.selected}`];
  if (row.label != null) parts.push(`label ${className(s, row.label)}`);
  if (row.predicted != null) parts.push(`predicted ${className(s, row.predicted)} (${formatPercent(row.probability)})`);
  if (row.loss != null) parts.push(`loss ${formatNumber(row.loss)}`);
  if (isContrast(s) && row.target != null) parts.push(`read as ${contrastName(s, row.target)}`);
  return `${parts.join(" \xB7 ")}: explained below.`;
}
function createContrast() {
  const el = h("div", { class: "sw-dataset-contrast" });
  function update(s) {
    el.hidden = !isContrast(s);
    setAttr(el, "data-versus", String(s.versus));
    if (!isContrast(s)) return;
    const versus = className(s, s.versus);
    setText(el, `Contrast: each class vs ${versus}. Values explain log P(class) \u2212 log P(${versus}).`);
  }
  return { el, update };
}
function createDatasetView(container, actions = {}) {
  const on = Object.fromEntries(ACTIONS.map((name) => [name, actions[name] ?? noop]));
  const filters = createFilters({ onFilter: on.onFilter });
  const progress = createProgress();
  const contrast2 = createContrast();
  const error = h("div", { class: "sw-error", role: "alert" });
  const table = createTable({ onSort: on.onSort, onSelect: on.onSelect });
  const global = createGlobalView({ onToken: on.onToken, onTarget: on.onTarget, onMinCount: on.onMinCount });
  const selection = h("div", { class: "sw-selection", "aria-live": "polite" });
  const methods = createMethodRows();
  const body = h("div", { class: "sw-dataset-body" }, [table.el, global.el]);
  const root = h("div", { class: "sw-dataset", "data-state": "predicting" }, [
    filters.el,
    contrast2.el,
    progress.el,
    error,
    body,
    selection,
    methods.el
  ]);
  container.append(root);
  let last = null;
  function update(raw) {
    last = raw;
    const s = normalize(raw);
    setAttr(root, "data-state", s.state);
    setAttr(root, "data-selected", String(s.selected));
    setAttr(root, "aria-busy", s.state === "predicting" || s.state === "explaining" ? "true" : "false");
    filters.update(s);
    contrast2.update(s);
    progress.update(s);
    error.hidden = s.state !== "error";
    setText(error, s.state === "error" ? s.error || "Explaining the examples failed." : "");
    table.update(s);
    global.update(s);
    setText(selection, selectionText(s));
    setAttr(selection, "data-selected", String(s.selected));
    methods.update(s);
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

// src/dataset.js
function render({ model, el }) {
  const snapshot = () => Object.fromEntries(TRAITS.map((name) => [name, model.get(name)]));
  const send = (changes) => {
    const changed = Object.entries(changes).filter(([name, value]) => model.get(name) !== value);
    if (changed.length === 0) return;
    for (const [name, value] of changed) model.set(name, value);
    model.save_changes();
    view.update(snapshot());
  };
  const view = createDatasetView(el, {
    onSort(key) {
      send(nextSort(snapshot(), key));
    },
    onSelect(index) {
      send({ selected: index });
    },
    onFilter(changes) {
      send(changes);
    },
    onToken(token) {
      send({ filter_token: sameToken(token, model.get("filter_token")) ? "" : token });
    },
    onTarget(index) {
      send({ global_target: index });
    },
    onMinCount(n) {
      send({ global_min_count: n });
    }
  });
  const handlers = TRAITS.map((name) => {
    const handler = () => view.update(snapshot());
    model.on(`change:${name}`, handler);
    return [`change:${name}`, handler];
  });
  view.update(snapshot());
  return () => {
    for (const [event, handler] of handlers) model.off(event, handler);
    view.destroy();
  };
}
var dataset_default = { render };
export {
  dataset_default as default
};
