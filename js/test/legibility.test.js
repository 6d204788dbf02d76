import { afterEach, describe, expect, it } from "vitest";
import widget from "../src/widget.js";
import { topTokens } from "../src/top.js";
import { fakeModel, renderView as render, sampleState, unmountViews } from "./fixtures.js";

afterEach(unmountViews);

const tokens = (root) => [...root.querySelectorAll(".sw-token")];
const legendMax = (root) => root.querySelector(".sw-legend").dataset.max;

// "The price was overpriced!" with "over" "pr" "ice" "d" as pieces of one word
const PIECES = {
  text: "The price was overpriced!",
  tokens: [
    { text: "The", prefix: "" },
    { text: "price", prefix: " " },
    { text: "was", prefix: " " },
    { text: "over", prefix: " " },
    { text: "pr", prefix: "", joined: true },
    { text: "ice", prefix: "", joined: true },
    { text: "d", prefix: "", joined: true },
    { text: "!", prefix: "" },
  ],
  values: [
    [0, 0, 0.01],
    [0, 0, -0.2],
    [0, 0, 0.02],
    [0, 0, -0.1],
    [0, 0, -0.3],
    [0, 0, 0.05],
    [0, 0, -0.02],
    [0, 0, 0.01],
  ],
};
const piecesState = (overrides = {}) =>
  sampleState({ ...PIECES, result_for: { ...sampleState().result_for, text: PIECES.text }, ...overrides });

describe("words read as words", () => {
  it("puts the pieces of one word in one word group, each its own coloured token", () => {
    const { root } = render(piecesState());
    const words = [...root.querySelectorAll(".sw-word")];
    expect(words).toHaveLength(1);
    expect([...words[0].querySelectorAll(".sw-token")].map((t) => t.textContent)).toEqual(["over", "pr", "ice", "d"]);
    expect(words[0].textContent).toBe("overpriced");
    expect(root.querySelector(".sw-heatmap").textContent).toBe(PIECES.text);
    // each piece keeps its own colour and index
    const pieces = [...words[0].querySelectorAll(".sw-token")];
    expect(pieces.map((t) => t.dataset.index)).toEqual(["3", "4", "5", "6"]);
    expect(new Set(pieces.map((t) => t.style.backgroundColor)).size).toBe(4);
    // "!" joins no word: it has no joined mark
    expect(tokens(root)[7].parentElement.classList.contains("sw-word")).toBe(false);
  });
});

describe("a scale for long texts", () => {
  it("keeps the legend and the colours fixed across a click, and rescales on request", () => {
    const el = document.createElement("div");
    document.body.append(el);
    const model = fakeModel(sampleState());
    const cleanup = widget.render({ model, el });
    expect(legendMax(el)).toBe("0.4");
    const before = tokens(el)[2].style.backgroundColor;
    tokens(el)[1].click(); // mask "movie"
    const values = sampleState().values.map((row, i) => (i === 1 ? [0, 0, 0] : row.map((v) => v * 1.5)));
    model.kernel({ values, result_for: { ...sampleState().result_for, masked: [1] }, state: "ready" });
    expect(legendMax(el)).toBe("0.4"); // the same orange means the same amount as before the click
    expect(tokens(el)[2].style.backgroundColor).not.toBe(before); // -0.15 now: deeper on the same scale
    el.querySelector(".sw-rescale").click();
    expect(Number(legendMax(el))).toBeCloseTo(0.6, 12);
    expect(el.querySelector(".sw-rescale").getAttribute("aria-pressed")).toBe("true");
    cleanup();
    el.remove();
  });

  it("starts a new scale for another class", () => {
    const { root, view } = render(sampleState());
    view.update(sampleState({ target: 0 }));
    expect(legendMax(root)).toBe("0.3");
  });

  it("lists the top tokens each way with their values and standard errors", () => {
    const errors = sampleState().values.map(() => [0.01, 0.01, 0.02]);
    const { root } = render(sampleState({ errors, method_used: "kernel" }));
    const top = root.querySelector(".sw-top");
    expect(top.hidden).toBe(false);
    const items = (sign) =>
      [...top.querySelectorAll(`[data-sign="${sign}"] .sw-top-item`)].map((i) => i.textContent);
    expect(items("up")).toEqual(["great +0.400±0.020", "movie +0.050±0.020", "! +0.025±0.020"]);
    expect(items("down")).toEqual(["was −0.100±0.020", "The −0.010±0.020"]);
    expect(top.textContent).toContain("Raise positive");
  });

  it("takes the top five each way, leaving masked players out", () => {
    const values = Array.from({ length: 12 }, (_, i) => [i % 2 ? i / 10 : -i / 10]);
    const top = topTokens(values, 0, [11]);
    expect(top.up.map((e) => e.i)).toEqual([9, 7, 5, 3, 1]);
    expect(top.down.map((e) => e.i)).toEqual([10, 8, 6, 4, 2]);
  });
});

describe("contrast: the vs selector", () => {
  it("starts at none, offers the other classes, and asks the kernel for the contrast", () => {
    const el = document.createElement("div");
    document.body.append(el);
    const model = fakeModel(sampleState({ versus: -1 }));
    const cleanup = widget.render({ model, el });
    const select = el.querySelector(".sw-versus");
    expect(select.value).toBe("-1");
    expect([...select.options].map((o) => [o.textContent, o.disabled])).toEqual([
      ["none", false],
      ["negative", false],
      ["neutral", false],
      ["positive", true], // the selected class itself
    ]);
    select.value = "0";
    select.dispatchEvent(new Event("change"));
    expect(model.get("versus")).toBe(0);
    expect(el.querySelector(".shap-widget").dataset.state).toBe("computing");
    // choosing the vs class as the class swaps the two
    const target = el.querySelector(".sw-target");
    target.value = "0";
    target.dispatchEvent(new Event("change"));
    expect([model.get("target"), model.get("versus")]).toEqual([0, 2]);
    cleanup();
    el.remove();
  });

  it("offers the other class of a two-class model as one toggle button", () => {
    const el = document.createElement("div");
    document.body.append(el);
    const two = sampleState({
      labels: ["negative", "positive"],
      target: 0,
      values: sampleState().values.map((r) => r.slice(0, 2)),
      versus: -1,
    });
    const model = fakeModel(two);
    const cleanup = widget.render({ model, el });
    const toggle = el.querySelector(".sw-versus-toggle");
    expect(el.querySelector(".sw-versus").hidden).toBe(true);
    expect(toggle.hidden).toBe(false);
    expect(toggle.textContent).toBe("positive");
    toggle.click();
    expect(model.get("versus")).toBe(1);
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    toggle.click();
    expect(model.get("versus")).toBe(-1);
    cleanup();
    el.remove();
  });

  it("names the contrast in the legend and shows a result for another contrast as stale", () => {
    const { root } = render(sampleState({ versus: 0, result_for: { ...sampleState().result_for, versus: 0 } }));
    expect(root.querySelector(".sw-legend").getAttribute("aria-label")).toContain("positive vs negative");
    expect(root.querySelector(".sw-additive .sw-out-label").textContent).toBe("log P(positive) − log P(negative)");
    const stale = render(sampleState({ versus: 1, result_for: { ...sampleState().result_for, versus: 0 } }));
    expect(stale.root.dataset.stale).toBe("true");
  });
});

describe("calm layout", () => {
  it("keeps the faithfulness panel closed, with its numbers in the summary line", () => {
    const faithfulness = {
      result_for: sampleState().result_for,
      target: 2,
      output: "probability",
      fractions: [0, 0.5, 1],
      deletion: [0.7, 0.4, 0.3],
      insertion: [0.3, 0.6, 0.7],
      aopc_deletion: 0.25,
      aopc_insertion: 0.15,
      levels: [0.2],
      comprehensiveness: [0.3],
      sufficiency: [0.1],
    };
    const { root } = render(sampleState({ faithfulness }));
    const panel = root.querySelector(".sw-faithfulness");
    expect(panel.open).toBe(false);
    expect(panel.querySelector(".sw-faith-status").textContent).toBe("AOPC deletion 0.250 ↑ · insertion 0.150 ↓");
  });

  it("shows the progress of a refining estimate as the share of the budget spent", () => {
    const { root } = render(sampleState({ state: "refining", progress: 0.05, n_evals: 250, max_evals: 500 }));
    expect(root.querySelector(".sw-progress").dataset.progress).toBe("0.5");
    // the progress line lives in the toolbar's line: no band of its own above the tokens
    expect(root.querySelector(".sw-progress-row").parentElement.classList.contains("sw-toolbar")).toBe(true);
  });

  it("labels the two rows of a sentence pair", () => {
    const tokensPair = [
      { text: "a", prefix: "", segment: 0 },
      { text: "b", prefix: "", segment: 1 },
    ];
    const { root } = render(
      sampleState({
        text: "a",
        text_pair: "b",
        tokens: tokensPair,
        values: [[0, 0, 0.1], [0, 0, -0.1]],
        result_for: { ...sampleState().result_for, text: "a", text_pair: "b" },
      }),
    );
    const rows = [...root.querySelectorAll(".sw-segment")];
    expect(rows.map((r) => r.getAttribute("aria-label"))).toEqual(["First text", "Second text"]);
  });
});
