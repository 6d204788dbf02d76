// The interactions view: pick a token and the others are coloured by their
// pairwise Shapley interaction with it; a compact pair matrix for short
// inputs. Draws the kernel's `pairs` and sends intents only.
import { h, setAttr, setText } from "./dom.js";
import { createLegend } from "./legend.js";
import { backgroundOf, paint } from "./scale.js";
import { formatPrecise, plainNumber } from "./format.js";
import { sameInput } from "./state.js";
import { tokenLabel } from "./text_safety.js";

export const MATRIX_MAX_PLAYERS = 20;
const MODES = [
  ["attributions", "Attributions"],
  ["interactions", "Interactions"],
  ["compare", "Compare"],
];
const INDICES = ["SII", "k-SII"];

/** Whether `pairs` (values or an error) were computed for the shown question (`sameInput`) and index. */
export function pairsAnswer(s) {
  const p = s.pairs ?? {};
  return sameInput(p.result_for ?? {}, s) && p.index === s.interaction_index;
}

/** Whether `pairs` hold the values for the shown input, mask, output and index. */
export function pairsMatch(s) {
  return pairsFit(s) && pairsAnswer(s);
}

/** Whether `pairs` belong to the players shown (perhaps for another mask or index, then shown as stale). */
export function pairsFit(s) {
  const p = s.pairs ?? {};
  const r = p.result_for ?? {};
  return (
    Array.isArray(p.values) &&
    p.values.length === s.tokens.length &&
    r.text === s.text &&
    (r.text_pair ?? "") === (s.text_pair ?? "") &&
    r.players === s.players
  );
}

export function pairValue(pairs, i, j, c) {
  const v = Number(pairs?.[i]?.[j]?.[c]);
  return Number.isFinite(v) ? v : 0;
}

/** Largest |pair value| of class `c` among pairs of players not in `masked`. */
export function pairScale(pairs, c, masked = []) {
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

const shown = (token) => tokenLabel(token?.text ?? "");

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
      return text.length > 10 ? text.slice(0, 9) + "…" : text;
    });
    heads = labels.map((label, j) =>
      h("th", { class: "sw-pair-col", scope: "col", "data-j": j }, [h("span", { text: label })]),
    );
    cells = [];
    const rows = labels.map((label, i) => {
      const row = labels.map((_, j) => h("td", { class: "sw-pair-cell", "data-i": i, "data-j": j }));
      cells.push(row);
      return h("tr", {}, [h("th", { class: "sw-pair-row", scope: "row", "data-i": i, text: label }), ...row]);
    });
    const table = h("table", { class: "sw-pair-table", "aria-label": "Pairwise interactions" }, [
      h("thead", {}, [h("tr", {}, [h("th", {}), ...heads])]),
      h("tbody", {}, rows),
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
    cells.forEach((row, i) =>
      row.forEach((cell, j) => {
        const value = values && i !== j ? pairValue(values, i, j, c) : 0;
        const off = i === j || masked.has(i) || masked.has(j);
        paint(cell, off ? 0 : value, max, page);
        cell.classList.toggle("sw-pair-off", off);
        cell.classList.toggle("sw-pair-focus", i === s.focus || j === s.focus);
        setAttr(cell, "data-value", plainNumber(value));
        const pair = `${shown(s.tokens[i])} × ${shown(s.tokens[j])}: ${formatPrecise(value)} for ${label}`;
        setAttr(cell, "title", i === j ? shown(s.tokens[i]) : pair);
      }),
    );
    heads.forEach((th, j) => th.classList.toggle("sw-pair-focus", j === s.focus));
  }

  return { el, update };
}

/**
 * The mode switch, index choice and status line (`bar`), the interactions
 * legend, and the pair matrix. `update(s)` returns what the heatmap should
 * show: in interactions mode, `values` are the picked token's row of pairs.
 */
export function createInteractions({ onMode, onIndex, onFocus, onToggle, readOnly = false }) {
  let focus = -1;
  const modeButtons = MODES.map(([value, label]) =>
    h("button", { type: "button", "data-mode": value, text: label, onclick: () => onMode(value) }),
  );
  const modeGroup = h("div", { class: "sw-mode sw-segmented", role: "group", "aria-label": "View" }, modeButtons);
  const index = h("select", { class: "sw-interaction-index", onchange: () => onIndex(index.value) });
  index.replaceChildren(...INDICES.map((v) => h("option", { value: v, text: v })));
  setAttr(
    index,
    "title",
    "SII: main effects are the Shapley values. k-SII: main effects plus pairs add up to the output",
  );
  const indexField = h("label", { class: "sw-field sw-interaction-field" }, [
    h("span", { class: "sw-field-label", text: "Index" }),
    index,
  ]);
  const maskFocus = h("button", {
    class: "sw-mask-focus",
    type: "button",
    onclick: () => focus >= 0 && onToggle(focus),
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

  /** A click on token i in interactions mode picks it, or unpicks it when it is picked already. */
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
    setText(maskFocus, focus >= 0 ? `${masked.has(focus) ? "Unmask" : "Mask"} “${shown(s.tokens[focus])}”` : "");

    let line = "";
    if (active && s.tokens.length > 0) {
      if (p.error && pairsAnswer(s)) line = `Interactions failed: ${p.error}`;
      else if (!fresh) line = "Computing interactions…";
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

    const legendLabel =
      focus >= 0 ? `interactions with “${shown(s.tokens[focus])}” for ${label}` : `interactions for ${label}`;
    legend.update(max, legendLabel, { background: backgroundOf(bar) });
    if (active) matrix.update(s, { c, label, max, values });
    else matrix.el.hidden = true;

    const row = s.tokens.map((_, j) => (values && focus >= 0 && j !== focus ? values[focus][j] : []));
    return { active, stale: active && !fresh, row, values, max, label };
  }

  /** Pair values, picked-token marks and tooltips on the heatmap's tokens (after the heatmap drew them). */
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
      else title = `${shown(s.tokens[focus])} × ${shown(s.tokens[j])}: ${formatPrecise(value)} for ${label}`;
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
