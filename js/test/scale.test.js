import { describe, expect, it } from "vitest";
import {
  NEGATIVE_RGB,
  POSITIVE_RGB,
  colorFor,
  intensity,
  legendGradient,
  luminance,
  overWhite,
  scaleMax,
} from "../src/scale.js";

const rgba = (css) => css.match(/rgba\(([^)]+)\)/)[1].split(",").map(Number);

describe("scaleMax", () => {
  const values = [
    [0.1, -0.5],
    [-0.3, 0.2],
    [0.05, 0.9],
  ];

  it("is the largest |value| of the selected class", () => {
    expect(scaleMax(values, 0)).toBe(0.3);
    expect(scaleMax(values, 1)).toBe(0.9);
  });

  it("ignores masked players", () => {
    expect(scaleMax(values, 1, [2])).toBe(0.5);
    expect(scaleMax(values, 0, [1])).toBe(0.1);
  });

  it("is 0 for all-zero, empty or missing values", () => {
    expect(scaleMax([[0], [0]], 0)).toBe(0);
    expect(scaleMax([], 0)).toBe(0);
    expect(scaleMax(undefined, 0)).toBe(0);
    expect(scaleMax([[Number.NaN]], 0)).toBe(0);
  });
});

describe("colorFor", () => {
  it("is neutral at 0", () => {
    expect(colorFor(0, 0.5)).toEqual({ background: "transparent", intensity: 0, sign: 0, lightText: false });
  });

  it("is symmetric around 0: same strength, opposite hue", () => {
    const up = colorFor(0.2, 0.4);
    const down = colorFor(-0.2, 0.4);
    expect(up.intensity).toBe(0.5);
    expect(down.intensity).toBe(0.5);
    expect(rgba(up.background)).toEqual([...POSITIVE_RGB, 0.5]);
    expect(rgba(down.background)).toEqual([...NEGATIVE_RGB, 0.5]);
    expect(up.sign).toBe(1);
    expect(down.sign).toBe(-1);
  });

  it("lets the sign decide the hue: red channel dominates above 0, blue below", () => {
    const [r1, , b1] = rgba(colorFor(0.1, 1).background);
    const [r2, , b2] = rgba(colorFor(-0.1, 1).background);
    expect(r1).toBeGreaterThan(b1);
    expect(b2).toBeGreaterThan(r2);
  });

  it("scales linearly to the maximum", () => {
    expect(rgba(colorFor(0.25, 1).background)[3]).toBe(0.25);
    expect(rgba(colorFor(-1, 1).background)[3]).toBe(1);
  });

  it("clamps values beyond the maximum", () => {
    expect(colorFor(3, 1).intensity).toBe(1);
    expect(rgba(colorFor(-3, 1).background)[3]).toBe(1);
  });

  it("handles an all-zero scale and non-finite values", () => {
    expect(colorFor(0.3, 0).background).toBe("transparent");
    expect(colorFor(Number.NaN, 1).background).toBe("transparent");
    expect(intensity(1, Number.NaN)).toBe(0);
  });

  it("asks for light text on strong backgrounds only", () => {
    expect(colorFor(1, 1).lightText).toBe(true);
    expect(colorFor(-1, 1).lightText).toBe(true);
    expect(colorFor(0.2, 1).lightText).toBe(false);
    expect(colorFor(-0.2, 1).lightText).toBe(false);
  });

  it("keeps WCAG AA contrast (4.5) for white text on the full colours", () => {
    for (const rgb of [NEGATIVE_RGB, POSITIVE_RGB]) {
      expect(1.05 / (luminance(rgb) + 0.05)).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("blends over white as expected", () => {
    expect(overWhite([0, 0, 0], 0.5)).toEqual([128, 128, 128]);
    expect(overWhite([10, 20, 30], 0)).toEqual([255, 255, 255]);
  });
});

describe("legendGradient", () => {
  it("fades from transparent at 0 to the full colour", () => {
    expect(legendGradient(1)).toBe(
      `linear-gradient(to right, rgba(${POSITIVE_RGB.join(", ")}, 0), rgba(${POSITIVE_RGB.join(", ")}, 1))`,
    );
    expect(legendGradient(-1)).toContain("to left");
    expect(legendGradient(-1)).toContain(NEGATIVE_RGB.join(", "));
  });
});
