import { afterEach, describe, expect, it, vi } from "vitest";
import { rowScales } from "../src/compare.js";
import { contrast, luminance, parseColor } from "../src/scale.js";
import { renderView, sampleState, unmountViews } from "./fixtures.js";

afterEach(unmountViews);

const request = sampleState().result_for;
const row = (method, values, extra = {}) => ({
  method,
  values,
  comprehensiveness: [0.1, 0.3, 0.5],
  sufficiency: [0.2, 0.1, 0.0],
  aopc_deletion: 0.25,
  aopc_insertion: 0.05,
  forward: 32,
  backward: 0,
  seconds: 0.1,
  gap: null,
  ...extra,
});
const compareState = (overrides = {}) =>
  sampleState({
    mode: "compare",
    compare_scale: "shared",
    comparison: {
      result_for: request,
      target: 2,
      label: "positive",
      output: "probability",
      levels: [0.1, 0.2, 0.5],
      k: 1,
      rows: [
        row("shap", [-0.01, 0.05, -0.1, 0.4, 0.025], { gap: 0 }),
        row("occlusion", [0.0, 0.02, -0.05, 0.2, 0.01]),
        row("integrated_gradients", [0.01, 0.01, 0.01, 0.1, -0.02], { forward: 34, backward: 32, gap: 0.01 }),
      ],
      kendall_tau: [
        [1, 0.8, 0.2],
        [0.8, 1, null],
        [0.2, null, 1],
      ],
      top_k_overlap: [
        [1, 1, 1],
        [1, 1, 1],
        [1, 1, 1],
      ],
      errors: { attention_rollout: "This model returned no attention weights" },
    },
    ...overrides,
  });

const rowsOf = (root) => [...root.querySelectorAll(".sw-compare-row")];
const cells = (tr) => [...tr.querySelectorAll(".sw-compare-token")];

describe("compare mode", () => {
  it("draws one row per method with the tokens in the same columns", () => {
    const { root } = renderView(compareState());
    const rows = rowsOf(root);
    expect(rows.map((r) => r.dataset.method)).toEqual(["shap", "occlusion", "integrated_gradients"]);
    for (const r of rows) expect(cells(r).map((c) => c.textContent)).toEqual(["The", "movie", "was", "great", "!"]);
    expect(cells(rows[2]).map((c) => c.dataset.value)).toEqual(["0.01", "0.01", "0.01", "0.1", "-0.02"]);
    expect(rows[2].querySelector(".sw-compare-figures").textContent).toContain("34 fwd + 32 bwd");
    expect(root.querySelector(".sw-compare-errors").textContent).toContain("no attention weights");
  });

  it("masks the clicked token through the same intent in any row", () => {
    const onToggle = vi.fn();
    const { root } = renderView(compareState(), { onToggle });
    cells(rowsOf(root)[1])[3].click();
    expect(onToggle).toHaveBeenCalledWith(3);
  });

  it("colours rows on one scale or each on its own", () => {
    const rows = compareState().comparison.rows;
    expect(rowScales(rows, [], "shared")).toEqual([0.4, 0.4, 0.4]);
    expect(rowScales(rows, [], "row")).toEqual([0.4, 0.2, 0.1]);
    expect(rowScales(rows, [3], "row")).toEqual([0.1, 0.05, 0.02]);
    const shared = renderView(compareState()).root;
    const own = renderView(compareState({ compare_scale: "row" })).root;
    const great = (root) => cells(rowsOf(root)[2])[3].style.backgroundColor;
    expect(great(own)).not.toEqual(great(shared));
  });

  it("shows the agreement matrix with undefined tau as a dash", () => {
    const { root } = renderView(compareState());
    const tds = [...root.querySelectorAll(".sw-compare-agreement td")];
    expect(tds.map((td) => td.textContent)).toEqual(["1.000", "0.800", "0.200", "0.800", "1.000", "–", "0.200", "–", "1.000"]);
  });

  it("marks a comparison for another mask as stale and hides the panel outside compare mode", () => {
    const stale = renderView(compareState({ masked: [1] })).root.querySelector(".sw-compare-panel");
    expect(stale.dataset.fresh).toBe("false");
    const off = renderView(compareState({ mode: "attributions" })).root.querySelector(".sw-compare-panel");
    expect(off.hidden).toBe(true);
  });
});

describe("compare mode after a change of the contrast class", () => {
  const contrasted = (versus) => ({ ...request, versus });

  it("marks a comparison computed for the old vs class as stale", () => {
    const panel = (versus, answered) =>
      renderView(
        compareState({ versus, result_for: contrasted(versus), comparison: { ...compareState().comparison, result_for: contrasted(answered) } }),
      ).root.querySelector(".sw-compare-panel");
    expect(panel(1, 0).dataset.fresh).toBe("false");
    expect(panel(1, 0).querySelector(".sw-compare-status").textContent).toBe("Comparing methods…");
    expect(panel(0, -1).dataset.fresh).toBe("false");
    expect(panel(1, 1).dataset.fresh).toBe("true");
  });

  it("marks a comparison for another class as stale", () => {
    const panel = renderView(compareState({ target: 0 })).root.querySelector(".sw-compare-panel");
    expect(panel.dataset.fresh).toBe("false");
  });
});

describe("compare mode in a dark theme", () => {
  afterEach(() => {
    document.body.style.backgroundColor = "";
  });

  it("mixes the rows' and the agreement's chips into the page and gives their text AA contrast", () => {
    document.body.style.backgroundColor = "rgb(17, 17, 17)";
    const { root } = renderView(compareState());
    const chips = [...root.querySelectorAll(".sw-compare-token, .sw-compare-agreement td")].filter(
      (td) => td.style.backgroundColor,
    );
    expect(chips.length).toBeGreaterThan(10);
    for (const td of chips) {
      const chip = parseColor(td.style.backgroundColor);
      expect(luminance(chip)).toBeLessThan(luminance([255, 255, 255]) / 2); // a dark chip, not one mixed into white
      expect(contrast(parseColor(td.style.color), chip)).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("writes a gap of rounding size as under 0.01%, keeping the figures short", () => {
    const state = compareState();
    state.comparison.rows[0].gap = 3e-15;
    const { root } = renderView(state);
    expect(rowsOf(root)[0].querySelector(".sw-compare-figures").textContent).toContain("gap <0.01%");
    expect(rowsOf(root)[2].querySelector(".sw-compare-figures").textContent).toContain("gap 1.000%");
  });
});
