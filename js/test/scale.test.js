import { describe, expect, it } from "vitest";
import {
  GAMMA,
  NEGATIVE_RGB,
  PALETTES,
  POSITIVE_RGB,
  WHITE,
  colorFor,
  contrast,
  createScaleKeeper,
  intensity,
  legendGradient,
  mix,
  overWhite,
  paletteFor,
  parseColor,
  quantile,
  robustMax,
  saturatedCount,
  scaleMax,
} from "../src/scale.js";

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
    expect(colorFor(0, 0.5)).toMatchObject({ background: "transparent", intensity: 0, sign: 0, lightText: false });
  });

  it("is symmetric around 0: same strength, opposite hue", () => {
    const up = colorFor(0.2, 0.4);
    const down = colorFor(-0.2, 0.4);
    expect(up.intensity).toBe(0.5);
    expect(down.intensity).toBe(0.5);
    expect(up.rgb).toEqual(mix(POSITIVE_RGB, 0.5));
    expect(down.rgb).toEqual(mix(NEGATIVE_RGB, 0.5));
    expect(up.sign).toBe(1);
    expect(down.sign).toBe(-1);
  });

  it("lets the sign decide the hue: red channel dominates above 0, blue below", () => {
    const [r1, , b1] = colorFor(0.1, 1).rgb;
    const [r2, , b2] = colorFor(-0.1, 1).rgb;
    expect(r1).toBeGreaterThan(b1);
    expect(b2).toBeGreaterThan(r2);
  });

  it("follows the strength curve (|value| / max) ** gamma", () => {
    expect(colorFor(0.25, 1).intensity).toBe(0.25);
    expect(colorFor(0.25, 1, { gamma: GAMMA }).intensity).toBeCloseTo(0.0625, 12);
    expect(colorFor(-1, 1, { gamma: GAMMA }).rgb).toEqual(NEGATIVE_RGB);
  });

  it("clamps values beyond the maximum", () => {
    expect(colorFor(3, 1).intensity).toBe(1);
    expect(colorFor(-3, 1).rgb).toEqual(NEGATIVE_RGB);
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

  it("keeps WCAG AA text contrast (4.5) at every strength, on light and dark pages", () => {
    for (const page of [WHITE, [17, 17, 17], [33, 33, 33], [255, 255, 255]]) {
      for (let v = -1; v <= 1.0001; v += 0.01) {
        const c = colorFor(v, 1, { background: page, gamma: GAMMA });
        if (c.intensity === 0) continue;
        const text = c.lightText ? WHITE : [0, 0, 0];
        expect(contrast(c.rgb, text)).toBeGreaterThanOrEqual(4.5);
      }
    }
  });

  it("makes the strongest chips stand out from the page (3:1) in both themes", () => {
    for (const page of [WHITE, [17, 17, 17], [33, 33, 33]]) {
      for (const v of [-1, 1]) expect(contrast(colorFor(v, 1, { background: page }).rgb, page)).toBeGreaterThanOrEqual(3);
    }
    expect(paletteFor([17, 17, 17])).toBe(PALETTES.dark);
    expect(paletteFor(WHITE)).toBe(PALETTES.light);
  });

  it("blends over the page as expected", () => {
    expect(overWhite([0, 0, 0], 0.5)).toEqual([128, 128, 128]);
    expect(overWhite([10, 20, 30], 0)).toEqual([255, 255, 255]);
    expect(mix([255, 255, 255], 0.5, [0, 0, 0])).toEqual([128, 128, 128]);
  });
});

describe("robustMax", () => {
  it("is the largest |value| for short texts and when no value stands far above the rest", () => {
    expect(robustMax([[0.1], [-0.4], [0.2]], 0)).toBe(0.4);
    const even = Array.from({ length: 40 }, (_, i) => [((i % 7) - 3) * 0.01]);
    expect(robustMax(even, 0)).toBe(0.03);
  });

  it("lets a few outliers saturate instead of making every other token pale", () => {
    const values = Array.from({ length: 100 }, (_, i) => [i % 2 ? 0.01 : -0.01]);
    values[7] = [0.5];
    values[50] = [-0.3];
    const max = robustMax(values, 0);
    expect(max).toBeCloseTo(0.025, 12); // 2.5 x the 90th percentile of |value|
    expect(saturatedCount(values, 0, [], max)).toBe(2);
    expect(robustMax(values, 0, [7, 50])).toBe(0.01);
  });

  it("keeps the top tokens of a long text distinct from the many middling ones", () => {
    // 131 tokens: five clear ones, the rest in a narrow middle band (a wall of colour on a linear scale)
    const values = Array.from({ length: 131 }, (_, i) => [0.004 + (i % 10) * 0.0003]);
    [0.0098, 0.0095, -0.009, 0.0088, -0.0085].forEach((v, k) => (values[k * 20] = [v]));
    const max = robustMax(values, 0);
    const strength = (v) => intensity(v, max, GAMMA);
    expect(strength(0.0098)).toBe(1);
    expect(strength(0.0085)).toBeGreaterThan(0.7);
    expect(strength(0.0055)).toBeLessThan(0.45); // the middle band stays light
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
  });
});

describe("createScaleKeeper", () => {
  it("keeps the first final scale of a text across clicks and refinements", () => {
    const keeper = createScaleKeeper();
    expect(keeper.scale({ key: "a", max: 0.19, final: false })).toBe(0.19);
    expect(keeper.scale({ key: "a", max: 0.193, final: true })).toBe(0.193);
    expect(keeper.scale({ key: "a", max: 0.2, final: true })).toBe(0.193);
    expect(keeper.scale({ key: "a", max: 0.22, final: false })).toBe(0.193);
  });

  it("starts again for a new text, class or output, and fits every result when rescaling", () => {
    const keeper = createScaleKeeper();
    keeper.scale({ key: "a", max: 0.193, final: true });
    expect(keeper.scale({ key: "b", max: 0.3, final: true })).toBe(0.3);
    expect(keeper.scale({ key: "b", max: 0.22, final: true, rescale: true })).toBe(0.22);
    expect(keeper.scale({ key: "b", max: 0, final: false })).toBe(0.3); // no values yet: keep the scale
  });
});

describe("legendGradient", () => {
  it("fades from the page at 0 to the full colour, along the strength curve", () => {
    const g = legendGradient(1, { gamma: GAMMA });
    expect(g.startsWith("linear-gradient(to right, rgb(255, 255, 255) 0%")).toBe(true);
    expect(g.endsWith(`rgb(${POSITIVE_RGB.join(", ")}) 100%)`)).toBe(true);
    expect(g).toContain(`rgb(${mix(POSITIVE_RGB, Math.round(0.5 ** GAMMA * 1000) / 1000).join(", ")}) 50%`);
    expect(legendGradient(-1)).toContain("to left");
    expect(legendGradient(-1)).toContain(NEGATIVE_RGB.join(", "));
  });
});

describe("parseColor", () => {
  it("reads rgb and rgba colours and treats transparent as none", () => {
    expect(parseColor("rgb(17, 17, 17)")).toEqual([17, 17, 17]);
    expect(parseColor("rgba(0, 0, 0, 0)")).toBe(null);
    expect(parseColor("")).toBe(null);
  });
});
