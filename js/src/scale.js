// Diverging colour scale for attributions: blue below 0, vermillion above, the page's own background at 0.
// The hues are the Okabe-Ito blue and vermillion, which stay distinguishable under the common forms of colour
// blindness: darker on a light page, lighter on a dark one, so that the strongest chips stand out from the
// page by at least 3:1. Each chip is the hue mixed into the page's background (an opaque colour), so its text
// colour, black or white, is chosen by the chip's luminance and always keeps WCAG AA contrast (4.5:1).
//
// Long texts: the scale's maximum is robust (a few outlying values above it saturate rather than make every
// other token pale), and strength grows as (|value| / max)^GAMMA, so tokens near the top stand apart from the
// many middling ones instead of the text turning into a wall of colour.

export const PALETTES = {
  light: { negative: [0, 94, 160], positive: [196, 78, 0] },
  dark: { negative: [86, 180, 233], positive: [232, 112, 40] },
};
export const NEGATIVE_RGB = PALETTES.light.negative;
export const POSITIVE_RGB = PALETTES.light.positive;
export const WHITE = [255, 255, 255];

/** How strength follows the value: (|value| / max)^GAMMA. */
export const GAMMA = 2;
/** The robust maximum is at most this many times the 90th percentile of |value|. */
export const OUTLIER_RATIO = 2.5;
const ROBUST_QUANTILE = 0.9;
const ROBUST_FROM = 8; // players; fewer are all shown to scale

export function valueAt(values, index, classIndex) {
  const v = Number(values?.[index]?.[classIndex]);
  return Number.isFinite(v) ? v : 0;
}

/**
 * Whether a player's row of values holds an entry for this class that is no
 * number (null, NaN or infinite): shown as missing, never as 0. A row without
 * that entry (nothing computed yet) is not missing.
 */
export function isMissing(values, index, classIndex) {
  const row = values?.[index];
  if (!Array.isArray(row) || row.length <= classIndex) return false;
  const v = row[classIndex];
  return v == null || !Number.isFinite(Number(v));
}

/** |value| of one class for every player not in `masked`. */
export function magnitudes(values, classIndex, masked = []) {
  const skip = new Set(masked);
  const out = [];
  (values ?? []).forEach((_, i) => {
    if (!skip.has(i)) out.push(Math.abs(valueAt(values, i, classIndex)));
  });
  return out;
}

/** Largest |value| of one class over the players not in `masked`. */
export function scaleMax(values, classIndex, masked = []) {
  return magnitudes(values, classIndex, masked).reduce((a, b) => Math.max(a, b), 0);
}

/** The q-quantile of `xs` (linear interpolation between order statistics). */
export function quantile(xs, q) {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/**
 * The scale's maximum: the largest |value|, unless a few values lie far above the rest (more than
 * OUTLIER_RATIO times the 90th percentile), in which case those saturate.
 */
export function robustMax(values, classIndex, masked = []) {
  const a = magnitudes(values, classIndex, masked);
  const max = a.reduce((x, y) => Math.max(x, y), 0);
  if (a.length < ROBUST_FROM) return max;
  const q = quantile(a, ROBUST_QUANTILE);
  return q > 0 ? Math.min(max, OUTLIER_RATIO * q) : max;
}

/** How many players' |value| lie above `max` (shown at full strength). */
export function saturatedCount(values, classIndex, masked, max) {
  return max > 0 ? magnitudes(values, classIndex, masked).filter((a) => a > max * (1 + 1e-9)).length : 0;
}

/** Share of the scale a value covers, clamped to [0, 1], after the strength curve `gamma`. */
export function intensity(value, max, gamma = 1) {
  if (!(max > 0) || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.abs(value) / max) ** gamma;
}

function channelToLinear(c) {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function luminance([r, g, b]) {
  return 0.2126 * channelToLinear(r) + 0.7152 * channelToLinear(g) + 0.0722 * channelToLinear(b);
}

/** WCAG contrast ratio of two opaque colours. */
export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** `rgb` at opacity `alpha` over `background` (white unless given), as an opaque colour. */
export function mix(rgb, alpha, background = WHITE) {
  return rgb.map((c, k) => Math.round(background[k] + (c - background[k]) * alpha));
}

export function overWhite(rgb, alpha) {
  return mix(rgb, alpha, WHITE);
}

/** Whether a background is dark: light text reads better on it than dark text. */
export function isDark(rgb) {
  return contrast(rgb, WHITE) > contrast(rgb, [0, 0, 0]);
}

/** The hues for a page of this background colour. */
export function paletteFor(background = WHITE) {
  return isDark(background) ? PALETTES.dark : PALETTES.light;
}

/** [r, g, b] of a CSS colour string "rgb(...)" / "rgba(...)" (alpha ignored; null if transparent or unknown). */
export function parseColor(css) {
  const m = /rgba?\(([^)]+)\)/.exec(String(css ?? ""));
  if (!m) return null;
  const parts = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
  if (parts.length < 3 || parts.slice(0, 3).some((x) => !Number.isFinite(x))) return null;
  if (parts.length >= 4 && parts[3] === 0) return null;
  return parts.slice(0, 3).map(Math.round);
}

/** The opaque background colour behind `el`: the first ancestor with one (white when none is known). */
export function backgroundOf(el) {
  const view = el?.ownerDocument?.defaultView;
  for (let node = el; node && node.nodeType === 1 && view; node = node.parentElement) {
    const rgb = parseColor(view.getComputedStyle(node).backgroundColor);
    if (rgb) return rgb;
  }
  return WHITE;
}

const css = (rgb) => `rgb(${rgb.join(", ")})`;

/**
 * Colour for one attribution on a scale from -max to +max, over the page colour `background`.
 * Returns the CSS background ("transparent" at 0), its rgb, the strength in [0, 1], the sign, and the
 * text colour with the higher contrast on it (`lightText` when that is white).
 */
export function colorFor(value, max, { background = WHITE, gamma = 1 } = {}) {
  const t = intensity(value, max, gamma);
  if (t === 0) return { background: "transparent", rgb: background, intensity: 0, sign: 0, lightText: false };
  const sign = value < 0 ? -1 : 1;
  const palette = paletteFor(background);
  const rgb = mix(sign < 0 ? palette.negative : palette.positive, Math.round(t * 1000) / 1000, background);
  const lightText = contrast(rgb, WHITE) > contrast(rgb, [0, 0, 0]);
  return { background: css(rgb), rgb, intensity: t, sign, lightText, text: lightText ? "rgb(255, 255, 255)" : "rgb(0, 0, 0)" };
}

/**
 * Colours a cell for `value` on a scale of `max`, mixed into the page's
 * `background`, with the text colour that reads on it in either theme.
 */
export function paint(el, value, max, background) {
  const color = colorFor(value, max, { background });
  el.style.backgroundColor = color.background === "transparent" ? "" : color.background;
  el.style.color = color.background === "transparent" ? "" : color.text;
  el.classList.toggle("sw-strong", color.lightText);
}

/** CSS gradient for one half of the legend, from 0 outwards, following the strength curve. */
export function legendGradient(sign, { background = WHITE, gamma = 1 } = {}) {
  const direction = sign < 0 ? "to left" : "to right";
  const stops = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const c = colorFor(sign * f, 1, { background, gamma });
    return `${f === 0 ? css(background) : c.background} ${f * 100}%`;
  });
  return `linear-gradient(${direction}, ${stops.join(", ")})`;
}

/**
 * Keeps one scale for a text while it is explored: the first final result for a key (text, class,
 * output, contrast) fixes the maximum, and later results (clicks, refinements) are drawn on it, so the
 * same colour means the same amount before and after a click. `rescale` fits every result instead.
 */
export function createScaleKeeper() {
  let kept = { key: null, max: 0, final: false };
  return {
    scale({ key, max, final, rescale = false }) {
      if (rescale) return max;
      if (!(max > 0)) return kept.key === key ? kept.max : max;
      if (kept.key !== key || !kept.final) kept = { key, max, final: Boolean(final) };
      return kept.max;
    },
    reset() {
      kept = { key: null, max: 0, final: false };
    },
  };
}
