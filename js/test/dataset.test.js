import { afterEach, beforeEach, describe, expect, it } from "vitest";
import dataset from "../src/dataset.js";
import { nextSort } from "../src/dataset_state.js";
import { fakeModel } from "./fixtures.js";

const LABELS = ["negative", "neutral", "positive"];

function row(index, text, label, predicted, probabilities) {
  const probability = probabilities[predicted];
  return {
    index,
    text,
    label,
    predicted,
    probability,
    probabilities,
    label_probability: label == null ? null : probabilities[label],
    loss: label == null ? null : -Math.log(probabilities[label]),
    correct: label == null ? null : label === predicted,
  };
}

function datasetState(overrides = {}) {
  return {
    labels: LABELS,
    players: "token",
    has_labels: true,
    rows: [
      row(0, "the movie was great", 2, 2, [0.1, 0.2, 0.7]),
      row(1, "i hated the plot", 0, 2, [0.3, 0.1, 0.6]),
      row(2, "boring film", 1, 0, [0.5, 0.4, 0.1]),
      row(3, "we loved it", 2, 2, [0.05, 0.05, 0.9]),
    ],
    visible: [1, 2, 3, 0],
    sort_by: "correct",
    sort_descending: false,
    filter_misclassified: false,
    filter_predicted: -1,
    filter_label: -1,
    filter_token: "",
    selected: 1,
    global_target: 0,
    global_min_count: 1,
    global_top: 30,
    global_tokens: [
      { token: "hated", mean_abs: 0.4, mean: 0.4, count: 1, examples: 1, bound: 0.2 },
      { token: "the", mean_abs: 0.1, mean: -0.05, count: 2, examples: 2, bound: 0.05 },
    ],
    state: "explaining",
    progress: 0.5,
    n_explained: 2,
    error: "",
    ...overrides,
  };
}

let el;
let model;
let cleanup;

beforeEach(() => {
  el = document.createElement("div");
  document.body.append(el);
  model = fakeModel(datasetState());
  cleanup = dataset.render({ model, el });
});

afterEach(() => {
  cleanup?.();
  el.remove();
});

const root = () => el.querySelector(".sw-dataset");
const rows = () => [...el.querySelectorAll("tr.sw-row")];
const shownOrder = () => rows().map((tr) => Number(tr.dataset.index));
const header = (key) => el.querySelector(`th[data-sort="${key}"]`);
const cell = (index, key) => el.querySelector(`tr.sw-row[data-index="${index}"] .sw-col-${key}`);

describe("table", () => {
  it("shows the rows in the kernel's order with their numbers and correctness", () => {
    expect(shownOrder()).toEqual([1, 2, 3, 0]);
    expect(rows().map((tr) => tr.dataset.correct)).toEqual(["false", "false", "true", "true"]);
    expect(cell(1, "text").textContent).toBe("i hated the plot");
    expect(cell(1, "label").textContent).toBe("negative");
    expect(cell(1, "predicted").textContent).toBe("positive");
    expect(cell(1, "probability").textContent).toBe("60.0%");
    expect(cell(1, "loss").textContent).toBe((-Math.log(0.3)).toFixed(3));
    expect(cell(1, "correct").getAttribute("aria-label")).toBe("misclassified");
    expect(el.querySelector(".sw-count").textContent).toBe("4 of 4 examples");
  });

  it("reorders the same row elements when the kernel sends a new order", () => {
    const before = rows();
    model.kernel({ visible: [0, 1, 2, 3] });
    expect(shownOrder()).toEqual([0, 1, 2, 3]);
    expect(rows()[0]).toBe(before[3]);
  });

  it("marks the sorted column and hides label columns without labels", () => {
    expect(header("correct").getAttribute("aria-sort")).toBe("ascending");
    expect(header("loss").getAttribute("aria-sort")).toBe("none");
    model.kernel({ has_labels: false, sort_by: "probability", sort_descending: true });
    expect(header("loss")).toBeNull();
    expect(header("label")).toBeNull();
    expect(header("probability").getAttribute("aria-sort")).toBe("descending");
    expect(cell(0, "predicted").textContent).toBe("positive");
  });

  it("shows rows not predicted yet with placeholders", () => {
    model.kernel({
      state: "predicting",
      rows: [{ index: 0, text: "a", label: 1, predicted: null, probability: null, loss: null, correct: null }],
      visible: [0],
      selected: -1,
    });
    expect(cell(0, "predicted").textContent).toBe("…");
    expect(rows()[0].dataset.correct).toBe("unknown");
    expect(root().dataset.state).toBe("predicting");
    expect(el.querySelector(".sw-progress-label").textContent).toBe("Predicting 1 example…");
  });

  it("says so when no row passes the filters", () => {
    model.kernel({ visible: [], filter_token: "zzz" });
    expect(rows()).toHaveLength(0);
    expect(el.querySelector(".sw-no-rows").hidden).toBe(false);
    expect(el.querySelector(".sw-count").textContent).toBe("0 of 4 examples");
  });
});

describe("sorting", () => {
  it("a new column starts in its natural direction; the same column flips", () => {
    expect(nextSort({ sort_by: "correct", sort_descending: false }, "loss")).toEqual({ sort_by: "loss", sort_descending: true });
    expect(nextSort({ sort_by: "loss", sort_descending: true }, "loss")).toEqual({ sort_by: "loss", sort_descending: false });
    expect(nextSort({ sort_by: "loss", sort_descending: true }, "text")).toEqual({ sort_by: "text", sort_descending: false });
    expect(nextSort({ sort_by: "text", sort_descending: false }, "probability")).toEqual({
      sort_by: "probability",
      sort_descending: true,
    });
  });

  it("clicking headers sends the sort to the kernel", () => {
    header("loss").click();
    expect(model.get("sort_by")).toBe("loss");
    expect(model.get("sort_descending")).toBe(true);
    expect(model.saved).toBe(1);
    header("loss").querySelector("button").click();
    expect(model.get("sort_descending")).toBe(false);
    expect(header("loss").getAttribute("aria-sort")).toBe("ascending");
    expect(model.saved).toBe(2);
  });
});

describe("choosing a row", () => {
  it("a click or Enter selects the row; the selection is shown", () => {
    expect(rows()[0].getAttribute("aria-selected")).toBe("true");
    el.querySelector('tr.sw-row[data-index="3"] .sw-row-text').click();
    expect(model.get("selected")).toBe(3);
    expect(el.querySelector('tr.sw-row[data-index="3"]').dataset.selected).toBe("true");
    expect(el.querySelector('tr.sw-row[data-index="1"]').dataset.selected).toBe("false");
    const target = el.querySelector('tr.sw-row[data-index="2"]');
    target.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(model.get("selected")).toBe(2);
    expect(el.querySelector(".sw-selection").textContent).toBe(
      "Row 2 · label neutral · predicted negative (50.0%) · loss 0.916: explained below.",
    );
  });

  it("arrow keys move focus along the shown order", () => {
    const first = rows()[0];
    first.focus();
    first.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement).toBe(rows()[1]);
    expect(model.saved).toBe(0);
  });
});

describe("filters", () => {
  it("each control sends its filter trait", () => {
    const misclassified = el.querySelector(".sw-filter-misclassified");
    misclassified.checked = true;
    misclassified.dispatchEvent(new Event("change"));
    expect(model.get("filter_misclassified")).toBe(true);

    const predicted = el.querySelector(".sw-filter-predicted");
    expect([...predicted.options].map((o) => o.textContent)).toEqual(["Any prediction", ...LABELS]);
    predicted.value = "2";
    predicted.dispatchEvent(new Event("change"));
    expect(model.get("filter_predicted")).toBe(2);

    const label = el.querySelector(".sw-filter-label");
    label.value = "0";
    label.dispatchEvent(new Event("change"));
    expect(model.get("filter_label")).toBe(0);

    const token = el.querySelector(".sw-filter-token");
    token.value = "hated";
    token.dispatchEvent(new Event("input"));
    expect(model.get("filter_token")).toBe("hated");
    expect(model.saved).toBe(4);

    const clear = el.querySelector(".sw-filter-clear");
    expect(clear.disabled).toBe(false);
    clear.click();
    expect(model.get("filter_misclassified")).toBe(false);
    expect(model.get("filter_predicted")).toBe(-1);
    expect(model.get("filter_label")).toBe(-1);
    expect(model.get("filter_token")).toBe("");
    expect(token.value).toBe("");
    expect(clear.disabled).toBe(true);
  });

  it("a token filter set by the kernel appears in the text box", () => {
    model.kernel({ filter_token: "plot" });
    expect(el.querySelector(".sw-filter-token").value).toBe("plot");
  });
});

describe("global view", () => {
  it("lists tokens with bars scaled to the largest lower bound on |mean| and coloured by sign", () => {
    const tokens = [...el.querySelectorAll(".sw-global-token")];
    expect(tokens.map((b) => b.dataset.token)).toEqual(["hated", "the"]);
    expect(tokens[0].querySelector(".sw-global-fill").style.width).toBe("100.0%");
    expect(tokens[1].querySelector(".sw-global-fill").style.width).toBe("25.0%");
    expect(tokens[0].querySelector(".sw-global-fill").style.background).toContain("196, 78, 0");
    expect(tokens[1].querySelector(".sw-global-fill").style.background).toContain("0, 94, 160");
    expect(tokens[1].querySelector(".sw-global-count").textContent).toBe("×2");
    expect(tokens[1].querySelector(".sw-global-value").textContent).toBe("-0.050");
    expect(el.querySelector(".sw-global-note").textContent).toContain("lower bound");
    expect(el.querySelector(".sw-global-class").value).toBe("0");
  });

  it("clicking a token filters the table to it; clicking it again clears the filter", () => {
    const the = () => el.querySelector('.sw-global-token[data-token="the"]');
    the().click();
    expect(model.get("filter_token")).toBe("the");
    expect(the().getAttribute("aria-pressed")).toBe("true");
    expect(el.querySelector(".sw-filter-token").value).toBe("the");
    the().click();
    expect(model.get("filter_token")).toBe("");
    expect(the().getAttribute("aria-pressed")).toBe("false");
  });

  it("class and minimum count are sent to the kernel", () => {
    const select = el.querySelector(".sw-global-class");
    select.value = "2";
    select.dispatchEvent(new Event("change"));
    expect(model.get("global_target")).toBe(2);
    const minCount = el.querySelector(".sw-global-min-count");
    minCount.value = "3";
    minCount.dispatchEvent(new Event("change"));
    expect(model.get("global_min_count")).toBe(3);
    minCount.value = "0";
    minCount.dispatchEvent(new Event("change"));
    expect(model.get("global_min_count")).toBe(3);
    expect(minCount.value).toBe("3");
  });

  it("explains why it is empty", () => {
    model.kernel({ global_tokens: [], state: "explaining", n_explained: 0 });
    expect(el.querySelector(".sw-global-empty").textContent).toBe("Tokens appear here as the examples are explained.");
    model.kernel({ state: "ready", n_explained: 4, global_min_count: 5 });
    expect(el.querySelector(".sw-global-empty").textContent).toBe(
      "No token occurs 5 or more times in the explained examples.",
    );
  });
});

describe("progress and errors", () => {
  it("the progress bar follows the kernel and hides when done", () => {
    const bar = el.querySelector(".sw-progress");
    expect(bar.hidden).toBe(false);
    expect(bar.dataset.progress).toBe("0.5");
    expect(bar.getAttribute("aria-valuenow")).toBe("50");
    expect(el.querySelector(".sw-progress-label").textContent).toBe("Explaining 2 / 4 (50%)");
    model.kernel({ progress: 1, n_explained: 4, state: "ready" });
    expect(bar.hidden).toBe(true);
    expect(root().dataset.state).toBe("ready");
  });

  it("an error is shown with its message", () => {
    model.kernel({ state: "error", error: "RuntimeError: the model broke" });
    expect(root().dataset.state).toBe("error");
    const error = el.querySelector(".sw-error");
    expect(error.hidden).toBe(false);
    expect(error.textContent).toBe("RuntimeError: the model broke");
  });

  it("cleanup removes the view and its listeners", () => {
    cleanup();
    cleanup = null;
    expect(root()).toBeNull();
    expect(model.listenerCount()).toBe(0);
  });
});

describe("contrastive run", () => {
  it("names the contrast in the banner, the class choices, the token titles and the chosen row", () => {
    const banner = el.querySelector(".sw-dataset-contrast");
    expect(banner.hidden).toBe(true);
    expect([...el.querySelectorAll(".sw-global-class option")].map((o) => o.textContent)).toEqual(LABELS);
    model.kernel({
      versus: 2,
      rows: datasetState().rows.map((r) => ({ ...r, target: r.predicted === 2 ? 0 : r.predicted })),
    });
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe("Contrast: each class vs positive. Values explain log P(class) − log P(positive).");
    const options = [...el.querySelectorAll(".sw-global-class option")];
    expect(options.map((o) => [o.value, o.textContent])).toEqual([
      ["0", "negative vs positive"],
      ["1", "neutral vs positive"],
    ]);
    expect(el.querySelector(".sw-global-note").textContent).toMatch(/^values explain log P\(class\) − log P\(positive\); ranked/);
    expect(el.querySelector('.sw-global-token[data-token="hated"]').title).toContain("towards negative vs positive");
    expect(el.querySelector('.sw-global-token[data-token="the"]').title).toContain("away from negative vs positive");
    expect(el.querySelector(".sw-selection").textContent).toContain("loss 1.204 · read as negative vs positive");
    model.kernel({ versus: -1 });
    expect(banner.hidden).toBe(true);
    expect(el.querySelectorAll(".sw-global-class option").length).toBe(3);
  });
});

describe("hostile text", () => {
  it("shows invisible characters of a text and of a global token as marks, none in the page itself", () => {
    model.kernel({
      rows: [row(0, "good \u202Ebad\u200B", 2, 2, [0.1, 0.2, 0.7])],
      visible: [0],
      global_tokens: [{ token: "\u200B", mean_abs: 0.4, mean: 0.4, count: 1, examples: 1 }],
    });
    const text = cell(0, "text").querySelector(".sw-row-text");
    expect(text.textContent).toBe("good ⟨U+202E⟩bad⟨U+200B⟩");
    expect(text.title).toBe("good ⟨U+202E⟩bad⟨U+200B⟩");
    const name = el.querySelector(".sw-global-name");
    expect(name.textContent).toBe("⟨U+200B⟩");
    expect(el.querySelector(".sw-global-token").dataset.token).toBe("\u200B"); // the filter still matches it
  });
});

describe("other methods beside SHAP", () => {
  const methodRows = {
    index: 1,
    tokens: ["i", "hated", "the", "plot"],
    label: "positive",
    disagreement: 0.75,
    rows: [
      { method: "shap", values: [0.1, -0.6, 0.0, 0.2], disagreement: null },
      { method: "occlusion", values: [0.3, -0.1, 0.05, -0.2], disagreement: 1.5 },
    ],
  };
  const withMethods = (overrides = {}) =>
    model.kernel({
      methods: ["occlusion"],
      method_rows: methodRows,
      rows: datasetState().rows.map((r, i) => ({ ...r, disagreement: [0.2, 0.75, null, 1.1][i] })),
      ...overrides,
    });

  it("shows the disagreement column only for a run with methods", () => {
    expect(header("disagreement")).toBeNull();
    expect(el.querySelector(".sw-methods").hidden).toBe(true);
    withMethods();
    expect(header("disagreement")).not.toBeNull();
    expect(cell(3, "disagreement").textContent).toBe("1.100");
    expect(cell(2, "disagreement").textContent).toBe("–");
  });

  it("the first click on its header ranks the most disagreeing texts first", () => {
    withMethods();
    header("disagreement").click();
    expect(model.get("sort_by")).toBe("disagreement");
    expect(model.get("sort_descending")).toBe(true);
  });

  it("draws the selected row's methods side by side with their disagreement", () => {
    withMethods();
    const panel = el.querySelector(".sw-methods");
    expect(panel.hidden).toBe(false);
    expect(panel.dataset.row).toBe("1");
    const names = [...panel.querySelectorAll("tr.sw-methods-row")].map((tr) => tr.dataset.method);
    expect(names).toEqual(["shap", "occlusion"]);
    const occlusion = panel.querySelector('tr[data-method="occlusion"]');
    expect([...occlusion.querySelectorAll(".sw-methods-token")].map((td) => td.textContent)).toEqual(methodRows.tokens);
    expect(occlusion.querySelector('[data-index="3"]').dataset.value).toBe("-0.2");
    expect(occlusion.querySelector(".sw-methods-figure").textContent).toBe("disagreement 1.500");
    expect(panel.querySelector(".sw-methods-caption").textContent).toContain("mean disagreement with SHAP 0.750");
  });

  it("reads rounding noise as 0.000 and gives every coloured chip its own text colour", () => {
    const rows = [methodRows.rows[0], { ...methodRows.rows[1], disagreement: 1.1e-16 }];
    withMethods({ method_rows: { ...methodRows, rows } });
    const occlusion = el.querySelector('.sw-methods tr[data-method="occlusion"]');
    expect(occlusion.querySelector(".sw-methods-figure").textContent).toBe("disagreement 0.000");
    const chips = [...el.querySelectorAll(".sw-methods-token")].filter((td) => td.style.backgroundColor);
    expect(chips.length).toBeGreaterThan(4);
    for (const td of chips) expect(td.style.color).not.toBe("");
  });

  it("says so when the selected row has no methods' values, rather than drawing another row's", () => {
    withMethods({ selected: 2 });
    const panel = el.querySelector(".sw-methods");
    expect(panel.querySelectorAll("tr.sw-methods-row")).toHaveLength(0);
    expect(panel.querySelector(".sw-methods-caption").textContent).toContain("no other methods");
  });
});
