import { afterEach, describe, expect, it, vi } from "vitest";
import { renderStatic } from "../src/static.js";
import { renderView, sampleState, unmountViews } from "./fixtures.js";

const render = renderView;

afterEach(unmountViews);

const tokens = (root) => [...root.querySelectorAll(".sw-token")];

// pairs[i][j] = [negative, neutral, positive]; "was" x "great" interacts most for positive
function pairValues() {
  const n = 5;
  const p = Array.from({ length: n }, () => Array.from({ length: n }, () => [0, 0, 0]));
  const set = (i, j, v) => {
    p[i][j] = v;
    p[j][i] = v;
  };
  set(2, 3, [-0.1, 0, 0.2]);
  set(0, 3, [0, 0, -0.05]);
  set(1, 4, [0, 0, 0.01]);
  return p;
}

const request = sampleState().result_for;
const interactionState = (overrides = {}) =>
  sampleState({
    mode: "interactions",
    interaction_index: "SII",
    focus: 3,
    pairs: { result_for: request, index: "SII", values: pairValues(), main: sampleState().values, method: "exact", n_evals: 32 },
    ...overrides,
  });

describe("interactions mode", () => {
  it("colours the other tokens by their pair value with the picked one", () => {
    const { root } = render(interactionState());
    const els = tokens(root);
    expect(els[3].dataset.focus).toBe("true");
    expect(els.map((t) => t.dataset.value)).toEqual(["-0.05", "0", "0.2", "0", "0"]);
    expect(els[2].style.backgroundColor).toBe("rgb(196, 78, 0)"); // positive pair: vermillion
    expect(els[0].style.backgroundColor).toBe("rgb(191, 215, 231)"); // blue at a quarter of the scale, over white
    expect(els[2].title).toContain("great × was: +0.2 for positive");
    expect(root.querySelector(".sw-interaction-legend").dataset.max).toBe("0.2");
    expect(root.querySelector(".sw-legend-group").hidden).toBe(true);
    expect(root.querySelector(".sw-interaction-status").textContent).toBe("exact SII, 32 evaluations");
  });

  it("a click picks a token instead of masking it, and the mask button masks the picked one", () => {
    const onFocus = vi.fn();
    const onToggle = vi.fn();
    const { root } = render(interactionState(), { onFocus, onToggle });
    tokens(root)[1].click();
    expect(onFocus).toHaveBeenCalledWith(1);
    tokens(root)[3].click();
    expect(onFocus).toHaveBeenLastCalledWith(-1);
    expect(onToggle).not.toHaveBeenCalled();
    const button = root.querySelector(".sw-mask-focus");
    expect(button.textContent).toBe("Mask “great”");
    button.click();
    expect(onToggle).toHaveBeenCalledWith(3);
  });

  it("draws a pair matrix with the same values and scale", () => {
    const onFocus = vi.fn();
    const { root } = render(interactionState({ target: 0 }), { onFocus });
    const cell = root.querySelector('.sw-pair-cell[data-i="2"][data-j="3"]');
    expect(cell.dataset.value).toBe("-0.1");
    expect(cell.title).toBe("was × great: -0.1 for negative");
    expect(root.querySelectorAll(".sw-pair-cell")).toHaveLength(25);
    cell.click();
    expect(onFocus).toHaveBeenCalledWith(2);
  });

  it("shows pairs for another mask or index as stale while the kernel computes", () => {
    const { root } = render(interactionState({ interaction_index: "k-SII" }));
    expect(root.querySelector(".sw-heatmap").classList.contains("sw-stale")).toBe(true);
    expect(root.querySelector(".sw-interaction-status").textContent).toBe("Computing interactions…");
    const fresh = render(interactionState()).root;
    expect(fresh.querySelector(".sw-heatmap").classList.contains("sw-stale")).toBe(false);
  });

  it("never shows pairs computed for another second text of a sentence pair as current", () => {
    const { root } = render(interactionState({ text_pair: "the ending was dull" }));
    expect(root.querySelector(".sw-heatmap").classList.contains("sw-stale")).toBe(true);
    expect(root.querySelector(".sw-interaction-status").textContent).not.toMatch(/evaluations/);
  });

  it("shows the kernel's error for the current state", () => {
    const { root } = render(interactionState({ pairs: { result_for: request, index: "SII", error: "ValueError: too big" } }));
    expect(root.querySelector(".sw-interaction-status").textContent).toBe("Interactions failed: ValueError: too big");
    expect(tokens(root).map((t) => t.dataset.value)).toEqual(["0", "0", "0", "0", "0"]);
  });

  it("attributions mode keeps the heatmap and hides the interactions parts", () => {
    const onToggle = vi.fn();
    const { root } = render(interactionState({ mode: "attributions" }), { onToggle });
    expect(tokens(root)[3].dataset.value).toBe("0.4");
    expect(tokens(root)[3].dataset.focus).toBeUndefined();
    expect(root.querySelector(".sw-pair-matrix").hidden).toBe(true);
    expect(root.querySelector(".sw-interaction-legend").hidden).toBe(true);
    tokens(root)[3].click();
    expect(onToggle).toHaveBeenCalledWith(3);
  });

  it("a standalone page switches mode and picks tokens without a kernel", () => {
    const container = document.createElement("div");
    document.body.append(container);
    renderStatic({ el: container, state: interactionState({ mode: "attributions", focus: -1 }) });
    container.querySelector('[data-mode="interactions"]').click();
    tokens(container)[2].click();
    expect(tokens(container)[2].dataset.focus).toBe("true");
    expect(tokens(container)[3].dataset.value).toBe("0.2");
    container.remove();
  });
});

describe("a change of the contrast class", () => {
  const contrasted = (versus) => ({ ...request, versus });

  it("never shows a pair matrix computed for the old vs class as current", () => {
    const { root } = render(
      interactionState({ versus: 1, result_for: contrasted(1), pairs: { ...interactionState().pairs, result_for: contrasted(0) } }),
    );
    expect(root.querySelector(".sw-heatmap").classList.contains("sw-stale")).toBe(true);
    expect(root.querySelector(".sw-interaction-status").textContent).toBe("Computing interactions…");
    const fresh = render(
      interactionState({ versus: 1, result_for: contrasted(1), pairs: { ...interactionState().pairs, result_for: contrasted(1) } }),
    ).root;
    expect(fresh.querySelector(".sw-heatmap").classList.contains("sw-stale")).toBe(false);
  });

  it("never shows pairs computed without a contrast once one is set, nor the reverse", () => {
    const set = render(interactionState({ versus: 0, result_for: contrasted(0) })).root;
    expect(set.querySelector(".sw-interaction-status").dataset.fresh).toBe("false");
    const cleared = render(
      interactionState({ versus: -1, pairs: { ...interactionState().pairs, result_for: contrasted(0) } }),
    ).root;
    expect(cleared.querySelector(".sw-interaction-status").dataset.fresh).toBe("false");
  });

  it("never shows pairs computed for another output space as current", () => {
    const { root } = render(
      interactionState({ output: "logit", result_for: { ...request, output: "logit" } }),
    );
    expect(root.querySelector(".sw-interaction-status").dataset.fresh).toBe("false");
  });
});
