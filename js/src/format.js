/**
 * The shortest decimal string that reads back as `value`, never in exponent
 * notation: 1e-7 becomes "0.0000001".
 */
export function plainNumber(value) {
  const v = Number(value);
  if (!Number.isFinite(v) || v === 0) return "0";
  const s = String(v);
  if (!s.includes("e")) return s;
  const [mantissa, exp] = s.split("e");
  const negative = mantissa.startsWith("-");
  const [whole, frac = ""] = mantissa.replace("-", "").split(".");
  const digits = whole + frac;
  const point = whole.length + Number(exp);
  let out;
  if (point <= 0) out = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = digits.slice(0, point) + "." + digits.slice(point);
  return (negative ? "-" : "") + out;
}

/**
 * A number for reading: three decimals, or two significant digits for
 * values too small for that.
 */
export function formatNumber(value) {
  const v = Number(value);
  if (!Number.isFinite(v)) return "–";
  if (v === 0) return "0";
  if (Math.abs(v) >= 0.01) return v.toFixed(3);
  return plainNumber(Number(v.toPrecision(2)));
}

/** Five significant digits, for tooltips. */
export function formatPrecise(value) {
  const v = Number(value);
  if (!Number.isFinite(v) || v === 0) return "0";
  const s = plainNumber(Number(v.toPrecision(5)));
  return v > 0 ? "+" + s : s;
}

export function formatPercent(p) {
  const v = Number(p);
  if (!Number.isFinite(v)) return "–";
  return (v * 100).toFixed(1) + "%";
}

/** The quantity a class's values add up to; with `other`, its contrast with that class. */
export function outputLabel(output, label, other = null) {
  if (other != null) {
    if (output === "logit" || output === "log-odds") return `${output}(${label}) − ${output}(${other})`;
    return `log P(${label}) − log P(${other})`;
  }
  if (output === "logit") return `logit(${label})`;
  if (output === "log-odds") return `log-odds(${label})`;
  return `P(${label})`;
}
