// The chosen row's explanation by every method the run computed, one heatmap
// row per method with the tokens in aligned columns (drawn as in Compare mode),
// each with its disagreement with SHAP. Read-only: the stored values.
import { h, setAttr, setText } from "./dom.js";
import { backgroundOf, paint } from "./scale.js";
import { formatPrecise, plainNumber } from "./format.js";
import { methodName, rowScales } from "./compare.js";

/** 1 − τ lies in 0..2: three decimals say all that matters, and rounding noise reads as 0.000. */
function disagreementText(d) {
  return d == null || !Number.isFinite(Number(d)) ? "" : `disagreement ${Number(d).toFixed(3)}`;
}

/** The panel: `update(s)` draws `s.method_rows` for the selected row, hidden for a run without methods. */
export function createMethodRows() {
  const caption = h("div", { class: "sw-methods-caption", role: "status" });
  const table = h("table", { class: "sw-methods-rows" });
  const el = h("div", { class: "sw-methods", hidden: true }, [caption, h("div", { class: "sw-methods-scroll" }, [table])]);

  function draw(m) {
    const tokens = m.tokens;
    // Each method on its own scale: their units differ (probability, attention weight, gradient).
    const scales = rowScales(m.rows, [], "row");
    // Chips are mixed into the page's own background, so that they read in a dark theme too.
    const page = backgroundOf(el);
    const head = h("tr", {}, [
      h("th", { text: "Method" }),
      ...tokens.map((t, i) => h("th", { class: "sw-methods-head", "data-index": i, text: String(t ?? "") })),
      h("th", { text: "vs SHAP" }),
    ]);
    const body = m.rows.map((row, r) =>
      h("tr", { class: "sw-methods-row", "data-method": row.method, "data-disagreement": row.disagreement == null ? "" : plainNumber(row.disagreement) }, [
        h("th", { class: "sw-methods-name", text: methodName(row.method) }),
        ...tokens.map((t, i) => {
          const v = Number(row.values?.[i]) || 0;
          const td = h("td", {
            class: "sw-methods-token",
            "data-index": i,
            "data-value": plainNumber(v),
            title: `${t ?? ""}: ${formatPrecise(v)} (${methodName(row.method)})`,
            text: String(t ?? ""),
          });
          paint(td, v, scales[r], page);
          return td;
        }),
        h("td", {
          class: "sw-methods-figure",
          title: row.disagreement == null ? "" : `1 − Kendall τ between SHAP's ranking of the tokens and ${methodName(row.method)}'s`,
          text: disagreementText(row.disagreement),
        }),
      ]),
    );
    table.replaceChildren(h("thead", {}, [head]), h("tbody", {}, body));
  }

  function update(s) {
    const m = s.method_rows ?? {};
    const shown = s.methods.length > 0 && s.selected >= 0;
    el.hidden = !shown;
    if (!shown) return;
    const ok = m.index === s.selected && Array.isArray(m.rows) && Array.isArray(m.tokens) &&
      m.rows.every((row) => Array.isArray(row.values) && row.values.length === m.tokens.length);
    setAttr(el, "data-row", ok ? String(m.index) : "");
    if (!ok) {
      table.replaceChildren();
      setText(caption, "This row has no other methods' values (it was not in the saved run).");
      return;
    }
    const mean = m.disagreement == null ? "" : ` · mean disagreement with SHAP ${Number(m.disagreement).toFixed(3)}`;
    setText(caption, `Row ${m.index} by method, for ${m.label}${mean}`);
    draw(m);
  }

  return { el, update };
}
