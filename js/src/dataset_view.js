import { h, onThemeChange, setAttr, setText } from "./dom.js";
import { formatNumber, formatPercent } from "./format.js";
import { className, contrastName, isContrast, normalize } from "./dataset_state.js";
import { createFilters } from "./dataset_filters.js";
import { createGlobalView } from "./dataset_global.js";
import { createTable } from "./dataset_table.js";
import { createMethodRows } from "./dataset_methods.js";

const noop = () => {};
const ACTIONS = ["onSort", "onSelect", "onFilter", "onToken", "onTarget", "onMinCount"];

function createProgress() {
  const fill = h("span", { class: "sw-progress-fill" });
  const label = h("span", { class: "sw-progress-label" });
  const el = h(
    "div",
    { class: "sw-progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-label": "Explaining the examples" },
    [h("span", { class: "sw-progress-track" }, [fill]), label],
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
      s.state === "predicting"
        ? `Predicting ${n} example${n === 1 ? "" : "s"}…`
        : `Explaining ${s.n_explained} / ${n} (${Math.round(share * 100)}%)`,
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
  return `${parts.join(" · ")}: explained below.`;
}

/** A contrastive run says so above the table: every value is a share of log P(class) − log P(versus). */
function createContrast() {
  const el = h("div", { class: "sw-dataset-contrast" });

  function update(s) {
    el.hidden = !isContrast(s);
    setAttr(el, "data-versus", String(s.versus));
    if (!isContrast(s)) return;
    const versus = className(s, s.versus);
    setText(el, `Contrast: each class vs ${versus}. Values explain log P(class) − log P(${versus}).`);
  }

  return { el, update };
}

/**
 * Builds the dataset view inside `container` and returns `update(state)`,
 * which renders the synced traits into it.
 */
export function createDatasetView(container, actions = {}) {
  const on = Object.fromEntries(ACTIONS.map((name) => [name, actions[name] ?? noop]));
  const filters = createFilters({ onFilter: on.onFilter });
  const progress = createProgress();
  const contrast = createContrast();
  const error = h("div", { class: "sw-error", role: "alert" });
  const table = createTable({ onSort: on.onSort, onSelect: on.onSelect });
  const global = createGlobalView({ onToken: on.onToken, onTarget: on.onTarget, onMinCount: on.onMinCount });
  const selection = h("div", { class: "sw-selection", "aria-live": "polite" });
  const methods = createMethodRows();

  const body = h("div", { class: "sw-dataset-body" }, [table.el, global.el]);
  const root = h("div", { class: "sw-dataset", "data-state": "predicting" }, [
    filters.el,
    contrast.el,
    progress.el,
    error,
    body,
    selection,
    methods.el,
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
    contrast.update(s);
    progress.update(s);
    error.hidden = s.state !== "error";
    setText(error, s.state === "error" ? s.error || "Explaining the examples failed." : "");
    table.update(s);
    global.update(s);
    setText(selection, selectionText(s));
    setAttr(selection, "data-selected", String(s.selected));
    methods.update(s);
  }

  // Bars and chips take the page's colours.
  const stopWatching = onThemeChange(() => last && update(last));

  return {
    root,
    update,
    destroy() {
      stopWatching();
      root.remove();
    },
  };
}
