import { describe, expect, it } from "vitest";
import { formatNumber, formatPercent, formatPrecise, outputLabel, plainNumber } from "../src/format.js";

describe("plainNumber", () => {
  it.each([
    [0.0123, "0.0123"],
    [-0.25, "-0.25"],
    [1e-7, "0.0000001"],
    [-1.5e-9, "-0.0000000015"],
    [1.25e21, "1250000000000000000000"],
    [0, "0"],
    [-0, "0"],
    [Number.NaN, "0"],
  ])("%s -> %s", (value, expected) => {
    expect(plainNumber(value)).toBe(expected);
  });

  it("reads back as the same number", () => {
    for (const v of [0.1 + 0.2, -3.4567e-12, 123.456, 2 ** -30]) {
      expect(Number(plainNumber(v))).toBe(v);
    }
  });
});

describe("formatNumber", () => {
  it("shows three decimals, or two significant digits for tiny values", () => {
    expect(formatNumber(0.31249)).toBe("0.312");
    expect(formatNumber(-1.5)).toBe("-1.500");
    expect(formatNumber(0.0042)).toBe("0.0042");
    expect(formatNumber(-0.000012345)).toBe("-0.000012");
    expect(formatNumber(0)).toBe("0");
  });

  it("precise and percent forms", () => {
    expect(formatPrecise(0.123456789)).toBe("+0.12346");
    expect(formatPrecise(-2e-8)).toBe("-0.00000002");
    expect(formatPercent(0.9312)).toBe("93.1%");
  });

  it("names the output space", () => {
    expect(outputLabel("probability", "positive")).toBe("P(positive)");
    expect(outputLabel("logit", "positive")).toBe("logit(positive)");
    expect(outputLabel("log-odds", "spam")).toBe("log-odds(spam)");
  });
});
