import { h, setAttr, setText } from "./dom.js";
import { formatPercent, plainNumber } from "./format.js";

function differs(a, b) {
  return a.length !== b.length || a.some((p, i) => Math.abs(Number(p) - Number(b[i])) > 1e-9);
}

const clampShare = (p) => Math.max(0, Math.min(1, Number(p) || 0));

/**
 * One bar per class with its probability; while tokens are masked, the
 * unmasked probability is drawn behind it as "before".
 */
export function createProbabilities({ onSelect }) {
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
        [name, h("span", { class: "sw-prob-track" }, [full, fill, tick]), value],
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
      const text = compare ? `${formatPercent(q)} → ${formatPercent(p)}` : formatPercent(p);
      setText(value, text);
      setAttr(
        row,
        "aria-label",
        compare
          ? `${s.labels[i]}: ${formatPercent(q)} unmasked, ${formatPercent(p)} masked`
          : `${s.labels[i]}: ${formatPercent(p)}`,
      );
      setAttr(row, "title", compare ? "Probability without masking → with the current mask" : null);
    });
  }

  return { el, update };
}
