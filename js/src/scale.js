// Diverging colour scale for attributions: blue below 0, vermillion above,
// transparent (the theme's own background) at 0. The hues are the Okabe-Ito
// blue and vermillion, which stay distinguishable under the common forms of
// colour blindness, darkened so that white text on them meets WCAG AA.
// Intensity is alpha, so the scale works on light and dark backgrounds alike.

export const NEGATIVE_RGB = [0, 94, 160];
export const POSITIVE_RGB = [196, 78, 0];

// Below this relative luminance, light text reads better than dark text
// (the point where both have equal WCAG contrast against the background).
const LIGHT_TEXT_BELOW = 0.2;

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

/** Largest |value| of one class over the players not in `masked`. */
export function scaleMax(values, classIndex, masked = []) {
  const skip = new Set(masked);
  let max = 0;
  (values ?? []).forEach((_, i) => {
    if (skip.has(i)) return;
    const a = Math.abs(valueAt(values, i, classIndex));
    if (a > max) max = a;
  });
  return max;
}

/** Share of the scale a value covers, clamped to [0, 1]. */
export function intensity(value, max) {
  if (!(max > 0) || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.abs(value) / max);
}

function channelToLinear(c) {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function luminance([r, g, b]) {
  return 0.2126 * channelToLinear(r) + 0.7152 * channelToLinear(g) + 0.0722 * channelToLinear(b);
}

/** The colour `rgb` at opacity `alpha` over a white background. */
export function overWhite(rgb, alpha) {
  return rgb.map((c) => Math.round(255 + (c - 255) * alpha));
}

/**
 * Colour for one attribution on a scale from -max to +max.
 * Returns the CSS background, the intensity in [0, 1], the sign and whether
 * the text on it should be light.
 */
export function colorFor(value, max) {
  const t = intensity(value, max);
  if (t === 0) return { background: "transparent", intensity: 0, sign: 0, lightText: false };
  const sign = value < 0 ? -1 : 1;
  const rgb = sign < 0 ? NEGATIVE_RGB : POSITIVE_RGB;
  const alpha = Math.round(t * 1000) / 1000;
  return {
    background: `rgba(${rgb.join(", ")}, ${alpha})`,
    intensity: t,
    sign,
    lightText: luminance(overWhite(rgb, alpha)) < LIGHT_TEXT_BELOW,
  };
}

/** CSS gradient for one half of the legend, from 0 outwards. */
export function legendGradient(sign) {
  const rgb = (sign < 0 ? NEGATIVE_RGB : POSITIVE_RGB).join(", ");
  const direction = sign < 0 ? "to left" : "to right";
  return `linear-gradient(${direction}, rgba(${rgb}, 0), rgba(${rgb}, 1))`;
}
