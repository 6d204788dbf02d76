import { h, setAttr, setText } from "./dom.js";
import { formatNumber, formatPercent } from "./format.js";
import { COLUMNS, className } from "./dataset_state.js";
import { setVisibleText, visibleString } from "./text_safety.js";

const NAV_KEYS = { ArrowUp: -1, ArrowDown: 1 };

function cellText(s, row, key) {
  switch (key) {
    case "index":
      return String(row.index);
    case "text":
      // a sentence pair shows both texts, the second after a double bar
      return row.text_pair == null ? String(row.text ?? "") : `${row.text ?? ""} ‖ ${row.text_pair}`;
    case "label":
      return row.label == null ? "–" : className(s, row.label);
    case "predicted":
      return row.predicted == null ? "…" : className(s, row.predicted);
    case "probability":
      return row.probability == null ? "…" : formatPercent(row.probability);
    case "loss":
      return row.loss == null ? "–" : formatNumber(row.loss);
    case "correct":
      if (row.correct == null) return "";
      return row.correct ? "✓" : "✗";
    case "disagreement":
      return row.disagreement == null ? "–" : formatNumber(row.disagreement);
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

/**
 * The table of examples: sortable headers and one focusable row per shown
 * example, in the order the kernel sent (`visible`).
 */
export function createTable({ onSort, onSelect }) {
  const headRow = h("tr");
  const thead = h("thead", {}, [headRow]);
  const tbody = h("tbody");
  const table = h("table", { class: "sw-table", "aria-label": "Examples; choose one to explain it" }, [thead, tbody]);
  const empty = h("div", { class: "sw-no-rows sw-empty" });
  const el = h("div", { class: "sw-table-wrap" }, [table, empty]);

  let headKey = null;
  let rowEls = new Map();
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
        ...columns.map((c) =>
          h("th", { "data-sort": c.key, class: `sw-col-${c.key}${c.numeric ? " sw-num" : ""}`, scope: "col" }, [
            h("button", { type: "button", class: "sw-sort", title: `Sort by: ${c.title}` }, [
              c.label,
              h("span", { class: "sw-sort-arrow", "aria-hidden": "true" }),
            ]),
          ]),
        ),
      );
    }
    for (const th of headRow.children) {
      const active = th.dataset.sort === s.sort_by;
      const direction = s.sort_descending ? "descending" : "ascending";
      setAttr(th, "aria-sort", active ? direction : "none");
      setText(th.querySelector(".sw-sort-arrow"), active ? (s.sort_descending ? "▼" : "▲") : "");
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
      }
      else td.textContent = text;
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
    // Rebuild rows only when their content or the columns change; reordering moves the existing nodes.
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
