import { afterEach, describe, expect, it } from "vitest";
import widget from "../src/widget.js";
import { renderStatic } from "../src/static.js";
import { errorAt, isUncertain, largestError } from "../src/uncertainty.js";
import { fakeModel, renderView as render, sampleState, unmountViews } from "./fixtures.js";

// Values and standard errors: class 2 (the selected class) has values [-0.3, 0.35, -0.1, 0.4, 0.3]; with
// these errors tokens 0, 1 and 4 have intervals that include 0, and all three are strongly coloured.
const VALUES = [
  [0.18, 0, -0.3],
  [-0.02, 0.01, 0.35],
  [0.03, -0.01, -0.1],
  [-0.3, -0.05, 0.4],
  [0, 0, 0.3],
];
const ERRORS = [
  [0.1, 0.01, 0.2],
  [0.1, 0.01, 0.2],
  [0.1, 0.01, 0.02],
  [0.1, 0.01, 0.05],
  [0.1, 0.01, 0.2],
];

const sampled = (overrides = {}) =>
  sampleState({ method_used: "kernel", n_evals: 66, values: VALUES, errors: ERRORS, ...overrides });

afterEach(unmountViews);

const tokens = (root) => [...root.querySelectorAll(".sw-token")];
const uncertain = (root) => tokens(root).filter((t) => t.classList.contains("sw-uncertain")).map((t) => t.dataset.index);

describe("standard errors on tokens", () => {
  it("marks the tokens whose 95% interval includes 0 and shows ± in the tooltip", () => {
    const { root } = render(sampled());
    expect(uncertain(root)).toEqual(["0", "1", "4"]);
    const els = tokens(root);
    expect(els.map((t) => t.dataset.se)).toEqual(["0.2", "0.2", "0.02", "0.05", "0.2"]);
    expect(els[3].title).toMatch(/^great: \+0\.4 ± 0\.050 for positive/);
    expect(els[3].getAttribute("aria-label")).toBe("great: +0.4 ± 0.050");
    expect(els[1].title).toContain("+0.35 ± 0.200");
  });

  it("does not mark uncertain tokens too pale to look important, so a long text does not turn grey", () => {
    // sampleState's class 2 values [-0.01, 0.05, -0.1, 0.4, 0.025]: tokens 0, 1 and 4 are uncertain but pale
    const errors = [
      [0.01, 0.01, 0.02],
      [0.01, 0.01, 0.03],
      [0.01, 0.01, 0.02],
      [0.01, 0.01, 0.05],
      [0.01, 0.01, 0.02],
    ];
    const { root } = render(sampleState({ method_used: "kernel", errors }));
    expect(uncertain(root)).toEqual([]);
    expect(tokens(root).map((t) => t.dataset.se)).toEqual(["0.02", "0.03", "0.02", "0.05", "0.02"]);
  });

  it("follows the selected class", () => {
    const { root, view } = render(sampled());
    view.update(sampled({ target: 0 }));
    // class 0 values [0.18, -0.02, 0.03, -0.3, 0] with SE 0.1: tokens 0-2 and 4 are uncertain, 0 alone strong
    expect(uncertain(root)).toEqual(["0"]);
    expect(tokens(root)[3].title).toContain("-0.3 ± 0.100 for negative");
  });

  it("shows no ± and no uncertain mark for exact values", () => {
    const { root } = render(sampleState());
    expect(uncertain(root)).toEqual([]);
    for (const t of tokens(root)) {
      expect(t.title).not.toContain("±");
      expect(t.hasAttribute("data-se")).toBe(false);
    }
    expect(root.querySelector(".sw-uncertain-key").hidden).toBe(true);
  });

  it("leaves masked tokens unmarked", () => {
    const masked = [0];
    const { root } = render(sampled({ masked, result_for: { ...sampleState().result_for, masked } }));
    expect(uncertain(root)).toEqual(["1", "4"]);
    expect(tokens(root)[0].title).not.toContain("±");
  });

  it("explains the mark in the legend, with the number of uncertain tokens", () => {
    const { root } = render(sampled());
    const key = root.querySelector(".sw-uncertain-key");
    expect(key.hidden).toBe(false);
    expect(key.textContent).toContain("uncertain");
    expect(key.title).toContain("95%");
    expect(key.dataset.count).toBe("3");
  });

  it("ignores errors that do not match the values shown", () => {
    const { root } = render(sampled({ errors: ERRORS.slice(0, 3) }));
    expect(uncertain(root)).toEqual([]);
    expect(root.querySelector(".sw-uncertain-key").hidden).toBe(true);
  });
});

describe("refining", () => {
  it("shows the partial estimate as current, with the largest standard error and a Stop button", () => {
    const { root } = render(sampled({ state: "refining", progress: 0.4 }));
    expect(root.dataset.state).toBe("refining");
    expect(root.dataset.stale).toBe("false");
    expect(root.getAttribute("aria-busy")).toBe("true");
    const progress = root.querySelector(".sw-progress");
    expect(progress.hidden).toBe(false);
    expect(progress.dataset.progress).toBe("0.4");
    expect(root.querySelector(".sw-progress-label").textContent).toBe("Refining · ±0.200");
    expect(root.querySelector(".sw-stop").hidden).toBe(false);
    expect(tokens(root)[3].dataset.value).toBe("0.4");
  });

  it("hides the Stop button once the result is final", () => {
    const { root, view } = render(sampled({ state: "refining" }));
    view.update(sampled({ state: "ready" }));
    expect(root.dataset.state).toBe("ready");
    expect(root.querySelector(".sw-stop").hidden).toBe(true);
    expect(root.querySelector(".sw-progress").hidden).toBe(true);
    expect(uncertain(root)).toEqual(["0", "1", "4"]);
  });

  it("never shows a refining estimate for another mask as current", () => {
    const { root } = render(sampled({ state: "refining", masked: [2] }));
    expect(root.dataset.state).toBe("computing");
    expect(root.dataset.stale).toBe("true");
    expect(root.querySelector(".sw-stop").hidden).toBe(true);
  });

  it("has no Stop button in a page without a kernel", () => {
    const el = document.createElement("div");
    document.body.append(el);
    renderStatic({ el, state: sampled({ state: "refining" }) });
    expect(el.querySelector(".sw-stop").hidden).toBe(true);
    expect(uncertain(el)).toEqual(["0", "1", "4"]);
    el.remove();
  });
});

describe("Stop intent", () => {
  it("sends one stop request naming the result it stops", () => {
    const el = document.createElement("div");
    document.body.append(el);
    const model = fakeModel(sampled({ state: "refining" }));
    const cleanup = widget.render({ model, el });
    el.querySelector(".sw-stop").click();
    expect(model.sent).toEqual([{ event: "stop", result_for: sampleState().result_for }]);
    expect(model.saved).toBe(0);
    cleanup();
    el.remove();
  });
});

describe("helpers", () => {
  it("reads errors defensively and applies the 1.96 rule", () => {
    expect(errorAt([], 0, 0)).toBe(null);
    expect(errorAt([[0]], 0, 0)).toBe(null);
    expect(errorAt([[0.1]], 0, 0)).toBe(0.1);
    expect(isUncertain(0.196, 0.1)).toBe(true);
    expect(isUncertain(-0.197, 0.1)).toBe(false);
    expect(isUncertain(0.0, null)).toBe(false);
    expect(largestError(sampled(), 2)).toBe(0.2);
    expect(largestError(sampled({ masked: [0, 1, 4] }), 2)).toBe(0.05);
    expect(largestError(sampleState(), 2)).toBe(null);
  });
});
