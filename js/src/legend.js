import { h, setAttr, setText } from "./dom.js";
import { legendGradient } from "./scale.js";
import { formatNumber, plainNumber } from "./format.js";

/** The numeric colour scale: -max, 0, +max. */
export function createLegend() {
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
      flat
        ? `All attributions for ${label} are 0`
        : `Colour scale for ${label}: blue ${min.textContent} lowers, 0 neutral, orange ${max.textContent} raises`,
    );
    setAttr(el, "title", el.getAttribute("aria-label"));
  }

  return { el, update };
}
