import { afterEach, describe, expect, it, vi } from "vitest";
import { renderView, sampleState, unmountViews } from "./fixtures.js";

const render = renderView;

afterEach(unmountViews);

const PAIR = "it was fun";

function pairState(overrides = {}) {
  const base = sampleState();
  return sampleState({
    text_pair: PAIR,
    tokens: [
      ...base.tokens.map((t) => ({ ...t, segment: 0 })),
      { text: "it", prefix: "", segment: 1 },
      { text: "was", prefix: " ", segment: 1 },
      { text: "fun", prefix: " ", segment: 1 },
    ],
    values: [...base.values, [0.1, 0, -0.1], [0, 0, 0.2], [0, 0.1, -0.3]],
    result_for: { ...base.result_for, text_pair: PAIR },
    ...overrides,
  });
}

describe("sentence pairs", () => {
  it("shows each text's tokens on its own row, numbered across both", () => {
    const { root } = render(pairState());
    const rows = [...root.querySelectorAll(".sw-heatmap .sw-segment")];
    expect(rows.map((r) => r.dataset.segment)).toEqual(["0", "1"]);
    expect(rows[0].textContent).toBe("The movie was great!");
    expect(rows[1].textContent).toBe(PAIR);
    expect([...rows[1].querySelectorAll(".sw-token")].map((t) => t.dataset.index)).toEqual(["5", "6", "7"]);
    expect(rows[1].querySelector(".sw-token").dataset.value).toBe("-0.1");
  });

  it("shows a second text box only for a pair, and sends both texts on Explain", () => {
    const onExplain = vi.fn();
    const { root } = render(pairState(), { onExplain });
    const boxes = [...root.querySelectorAll("textarea")];
    expect(boxes.map((b) => b.closest(".sw-input").hidden)).toEqual([false, false]);
    expect(boxes[1].value).toBe(PAIR);
    boxes[1].value = "it was bad";
    root.querySelector(".sw-explain").click();
    expect(onExplain).toHaveBeenCalledWith("The movie was great!", "it was bad");
  });

  it("keeps one text box and one row for a single text", () => {
    const onExplain = vi.fn();
    const { root } = render(sampleState(), { onExplain });
    expect(root.querySelector(".sw-input-pair").hidden).toBe(true);
    expect(root.querySelectorAll(".sw-segment")).toHaveLength(0);
    root.querySelector(".sw-explain").click();
    expect(onExplain).toHaveBeenCalledWith("The movie was great!", null);
  });

  it("is stale while the result is for another second text", () => {
    const { root } = render(pairState({ text_pair: "it was bad" }));
    expect(root.dataset.stale).toBe("true");
  });
});

describe("dataset of pairs", () => {
  it("shows both texts of a pair in its row", async () => {
    const { default: dataset } = await import("../src/dataset.js");
    const { fakeModel } = await import("./fixtures.js");
    const el = document.createElement("div");
    document.body.append(el);
    const row = { index: 0, text: "the acting was superb", text_pair: "i loved it", label: null, predicted: null,
      probability: null, probabilities: [], label_probability: null, loss: null, correct: null };
    const model = fakeModel({ labels: ["a", "b"], players: "token", has_labels: false, rows: [row], visible: [0],
      sort_by: "index", sort_descending: false, filter_misclassified: false, filter_predicted: -1, filter_label: -1,
      filter_token: "", selected: -1, global_target: 0, global_min_count: 1, global_top: 30, global_tokens: [],
      state: "ready", progress: 1, n_explained: 0, error: "" });
    const cleanup = dataset.render({ model, el });
    expect(el.querySelector(".sw-row-text").textContent).toBe("the acting was superb ‖ i loved it");
    cleanup?.();
    el.remove();
  });
});
