import { h, setAttr, setText } from "./dom.js";
import { GAMMA, legendGradient } from "./scale.js";
import { formatNumber, plainNumber } from "./format.js";

/**
 * The numeric colour scale: -max, 0, +max, drawn with the same strength curve as the tokens, and a
 * Rescale toggle (off: the scale stays fixed while a text is explored; on: it fits every result).
 */
export function createLegend({ onRescale = () => {}, gamma = GAMMA, rescalable = true } = {}) {
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
    onclick: () => onRescale(rescale.getAttribute("aria-pressed") !== "true"),
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
    const beyond = saturated > 0 ? "≥" : "";
    setText(min, flat ? "0" : `${beyond}−${formatNumber(value)}`.replace("≥−", "≤−"));
    setText(max, flat ? "0" : `${beyond}+${formatNumber(value)}`);
    setAttr(rescale, "aria-pressed", rescaling ? "true" : "false");
    const parts = flat
      ? [`All attributions for ${label} are 0`]
      : [
          `Colour scale for ${label}: blue lowers, orange raises; full colour at ±${formatNumber(value)}`,
          gamma !== 1 ? `strength grows as (|value| / ${formatNumber(value)})^${gamma}, so the largest values stand out` : "",
          saturated > 0 ? `${saturated} token${saturated === 1 ? "" : "s"} beyond the scale shown at full colour` : "",
          !rescalable ? "" : rescaling ? "the scale fits every result" : "the scale stays fixed for this text until Rescale",
        ].filter(Boolean);
    setAttr(scale, "aria-label", parts.join("; "));
    setAttr(scale, "title", parts.join(";\n"));
  }

  return { el, update, bar: scale };
}
