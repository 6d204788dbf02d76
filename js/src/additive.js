import { h, setAttr, setText } from "./dom.js";
import { formatNumber, formatPrecise, outputLabel, plainNumber } from "./format.js";
import { valueAt } from "./scale.js";
import { resultOutput, resultVersus } from "./state.js";

/** base value + sum of contributions = model output, for the selected class. */
export function createAdditive() {
  const base = h("span", { class: "sw-num sw-base" });
  const sum = h("span", { class: "sw-num sw-sum" });
  const out = h("span", { class: "sw-num sw-out" });
  const target = h("span", { class: "sw-out-label" });
  const el = h("div", { class: "sw-additive" }, [
    h("span", { class: "sw-term", text: "base " }),
    base,
    h("span", { class: "sw-op", text: " + " }),
    h("span", { class: "sw-term", text: "Σ " }),
    sum,
    h("span", { class: "sw-op", text: " = " }),
    out,
    h("span", { class: "sw-op", text: " " }),
    target,
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
      ["output", values.output, out],
    ]) {
      setAttr(el, `data-${name}`, plainNumber(value));
      setText(node, formatNumber(value));
      setAttr(node, "title", formatPrecise(value));
    }
    setText(target, outputLabel(resultOutput(s), s.labels[c] ?? `class ${c}`, resultVersus(s)));
  }

  return { el, update };
}
