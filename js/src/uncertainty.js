// Standard errors of sampled attributions: the ± in tooltips, the "uncertain"
// mark on tokens whose 95% interval includes 0, the refining line with its
// Stop button, and the legend key that explains the mark.
import { h, setAttr } from "./dom.js";
import { formatNumber, plainNumber } from "./format.js";
import { valueAt } from "./scale.js";

/** Half-width of a 95% normal interval, in standard errors. */
export const Z95 = 1.96;

/** The standard error of player `i` for class `c`, or null when the values are exact. */
export function errorAt(errors, i, c) {
  const se = Number(errors?.[i]?.[c]);
  return Number.isFinite(se) && se > 0 ? se : null;
}

/** Whether a value's 95% interval includes 0: its sign is not known. */
export function isUncertain(value, se) {
  return se != null && Math.abs(Number(value) || 0) <= Z95 * se;
}

/** " ± 0.012" for a sampled value, "" for an exact one. */
export function errorSuffix(se) {
  return se == null ? "" : ` ± ${formatNumber(se)}`;
}

/**
 * The largest standard error of class `c` over unmasked players, or null
 * when there are none (exact values).
 */
export function largestError(s, c = s.target) {
  const masked = new Set(s.masked ?? []);
  let max = null;
  (s.errors ?? []).forEach((_, i) => {
    const se = masked.has(i) ? null : errorAt(s.errors, i, c);
    if (se != null && (max == null || se > max)) max = se;
  });
  return max;
}

/** Whether the shown standard errors belong to the shown values. */
export function errorsFitValues(s) {
  return Array.isArray(s.errors) && s.errors.length > 0 && s.errors.length === s.values.length;
}

/** Colour strength from which a token looks important enough for its uncertainty to be marked. */
export const MARK_FROM = 0.3;

/**
 * Marks one token span: `data-se`, and the `sw-uncertain` class when its interval includes 0 and its
 * colour (`strength`, in [0, 1]) would otherwise make it look important; a pale token needs no warning,
 * so a long text does not turn grey. Masked players and exact values carry neither.
 */
export function markToken(span, value, se, masked, strength = 1) {
  const shown = masked ? null : se;
  setAttr(span, "data-se", shown == null ? null : plainNumber(shown));
  span.classList.toggle("sw-uncertain", strength >= MARK_FROM && isUncertain(value, shown));
}

/** The progress line's text while an estimate is refined. */
export function refiningLabel(s) {
  const se = largestError(s);
  return se == null ? "Refining…" : `Refining · ±${formatNumber(se)}`;
}

/** The Stop button shown while refining: keeps the current estimate as the final one. */
export function createStopButton({ onStop }) {
  const el = h("button", { class: "sw-stop", type: "button", text: "Stop", onclick: () => onStop() });
  setAttr(el, "title", "Stop refining and keep the current estimate");

  function update(s, shownState, readOnly) {
    el.hidden = readOnly || shownState !== "refining";
  }

  return { el, update };
}

/** How many unmasked players of class `c` are marked uncertain. */
export function uncertainCount(s, c = s.target) {
  const masked = new Set(s.masked ?? []);
  return s.values.filter((_, i) => !masked.has(i) && isUncertain(valueAt(s.values, i, c), errorAt(s.errors, i, c)))
    .length;
}

/** Legend key for the uncertain mark, shown only when the values have standard errors. */
export function createUncertaintyKey() {
  const sample = h("span", { class: "sw-uncertain-sample", text: "abc", "aria-hidden": "true" });
  const el = h("span", { class: "sw-uncertain-key" }, [sample, " uncertain"]);
  setAttr(el, "title", "Dotted underline: the 95% interval (value ± 1.96 standard errors) includes 0; marked only on tokens coloured strongly enough to look important");

  function update(s) {
    const has = errorsFitValues(s);
    el.hidden = !has;
    setAttr(el, "data-count", has ? uncertainCount(s) : 0);
  }

  return { el, update };
}
