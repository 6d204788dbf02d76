// The few tokens that matter most for the selected class, as a compact line under the heatmap: on a long
// text the colours say where to look, this says what the top five each way are worth.
import { h, setAttr, setText } from "./dom.js";
import { formatNumber, plainNumber } from "./format.js";
import { valueAt } from "./scale.js";
import { errorAt, errorSuffix } from "./uncertainty.js";

export const TOP_K = 5;

/** The `k` largest positive and `k` most negative values of class `c` among unmasked players. */
export function topTokens(values, c, masked = [], k = TOP_K) {
  const skip = new Set(masked);
  const entries = (values ?? [])
    .map((_, i) => ({ i, value: valueAt(values, i, c) }))
    .filter(({ i, value }) => !skip.has(i) && value !== 0);
  const up = entries.filter((e) => e.value > 0).sort((a, b) => b.value - a.value || a.i - b.i);
  const down = entries.filter((e) => e.value < 0).sort((a, b) => a.value - b.value || a.i - b.i);
  return { up: up.slice(0, k), down: down.slice(0, k) };
}

const signed = (v) => (v > 0 ? "+" : v < 0 ? "−" : "") + formatNumber(Math.abs(v));

/** "Top tokens" line: raises (top 5) · lowers (top 5), each with its value and ± standard error. */
export function createTopTokens() {
  const up = h("span", { class: "sw-top-list", "data-sign": "up" });
  const down = h("span", { class: "sw-top-list", "data-sign": "down" });
  const upLabel = h("span", { class: "sw-top-label" });
  const downLabel = h("span", { class: "sw-top-label" });
  const el = h("div", { class: "sw-top" }, [
    h("span", { class: "sw-top-part" }, [upLabel, up]),
    h("span", { class: "sw-top-part" }, [downLabel, down]),
  ]);

  const item = (s, { i, value }) => {
    const se = errorAt(s.errors, i, s.target);
    const text = String(s.tokens[i]?.text ?? "");
    return h("span", { class: "sw-top-item", "data-index": i, "data-value": plainNumber(value) }, [
      h("span", { class: "sw-top-token", text: text.trim() === "" ? JSON.stringify(text) : text }),
      h("span", { class: "sw-top-value", text: ` ${signed(value)}${errorSuffix(se).replace(" ± ", "±")}` }),
    ]);
  };

  function update(s, { label, hidden = false }) {
    const top = topTokens(s.values, s.target, s.masked);
    el.hidden = hidden || s.values.length === 0 || top.up.length + top.down.length === 0;
    setText(upLabel, `Raise ${label}: `);
    setText(downLabel, `Lower: `);
    up.replaceChildren(...(top.up.length ? top.up.map((e) => item(s, e)) : [h("span", { text: "none" })]));
    down.replaceChildren(...(top.down.length ? top.down.map((e) => item(s, e)) : [h("span", { text: "none" })]));
    setAttr(el, "aria-label", `Top tokens for ${label}`);
  }

  return { el, update };
}
