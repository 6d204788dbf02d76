import { afterEach, beforeEach, describe, expect, it } from "vitest";
import widget from "../src/widget.js";
import { fakeModel, sampleState } from "./fixtures.js";

let el;
let model;
let cleanup;

beforeEach(() => {
  el = document.createElement("div");
  document.body.append(el);
  model = fakeModel(sampleState());
  cleanup = widget.render({ model, el });
});

afterEach(() => {
  cleanup?.();
  el.remove();
});

const root = () => el.querySelector(".shap-widget");
const token = (i) => el.querySelector(`.sw-token[data-index="${i}"]`);
const key = (target, k) => target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));

/** The kernel's answer to the current intents: computing, then a matching result. */
function answer(extra = {}) {
  model.kernel({ state: "computing", progress: 0 });
  model.kernel({
    result_for: { ...sampleState().result_for, text: model.get("text"), masked: model.get("masked"), players: model.get("players") },
    state: "ready",
    progress: 1,
    ...extra,
  });
}

describe("masking", () => {
  it("click sets the sorted mask, saves, and shows the change at once", () => {
    token(3).click();
    expect(model.get("masked")).toEqual([3]);
    expect(model.saved).toBe(1);
    token(1).click();
    expect(model.get("masked")).toEqual([1, 3]);
    expect(model.saved).toBe(2);
    expect(token(1).dataset.masked).toBe("true");
    expect(token(3).dataset.masked).toBe("true");
    expect(token(3).getAttribute("aria-pressed")).toBe("true");
    expect(root().dataset.state).toBe("computing");
    expect(root().dataset.stale).toBe("true");
  });

  it("clicking a masked token unmasks it", () => {
    token(2).click();
    token(2).click();
    expect(model.get("masked")).toEqual([]);
    expect(token(2).dataset.masked).toBe("false");
  });

  it("becomes ready and fresh once the kernel answers for this mask", () => {
    token(3).click();
    model.kernel({ state: "computing", progress: 0 });
    expect(root().dataset.state).toBe("computing");
    model.kernel({ progress: 0.5 });
    expect(el.querySelector(".sw-progress").dataset.progress).toBe("0.5");
    answer({ values: sampleState().values.map((r, i) => (i === 3 ? [0, 0, 0] : r)) });
    expect(root().dataset.state).toBe("ready");
    expect(root().dataset.stale).toBe("false");
    expect(token(3).dataset.value).toBe("0");
  });

  it("a late result for an older mask is not shown as fresh", () => {
    token(3).click();
    model.kernel({ state: "ready", result_for: sampleState().result_for });
    expect(root().dataset.state).toBe("computing");
    expect(root().dataset.stale).toBe("true");
  });

  it("reports the settled result of a click as shown, once, and never a refining or older one", () => {
    const shown = () => model.sets.filter(([name]) => name === "shown_for").map(([, value]) => value);
    token(3).click();
    model.kernel({ state: "ready", result_for: sampleState().result_for });
    model.kernel({ state: "refining", result_for: { ...sampleState().result_for, masked: [3] } });
    expect(shown()).toEqual([]);
    answer();
    expect(shown()).toEqual([model.get("result_for")]);
    expect(shown()[0].masked).toEqual([3]);
    model.kernel({ state: "ready", progress: 1 });
    expect(shown()).toHaveLength(1);
  });

  it("reports the first settled result when it renders before the kernel has one", () => {
    cleanup();
    model = fakeModel(sampleState({ state: "computing", result_for: {}, values: [] }));
    cleanup = widget.render({ model, el });
    expect(model.saved).toBe(0);
    answer();
    expect(model.sets.filter(([name]) => name === "shown_for")).toEqual([["shown_for", model.get("result_for")]]);
    expect(model.saved).toBe(1);
  });

  it("reports no first result inside a Jupyter output area, only the results of the user's actions", () => {
    cleanup();
    const area = document.createElement("div");
    area.className = "jp-OutputArea-output";
    area.append(el);
    model = fakeModel(sampleState({ state: "computing", result_for: {}, values: [] }));
    cleanup = widget.render({ model, el });
    answer();
    expect(model.sets.filter(([name]) => name === "shown_for")).toEqual([]);
    expect(model.saved).toBe(0);
  });

  it("Enter and Space toggle the focused token; arrows move focus", () => {
    token(1).focus();
    key(token(1), "Enter");
    expect(model.get("masked")).toEqual([1]);
    key(token(4), " ");
    expect(model.get("masked")).toEqual([1, 4]);
    token(1).focus();
    key(token(1), "ArrowRight");
    expect(document.activeElement).toBe(token(2));
    key(token(2), "Home");
    expect(document.activeElement).toBe(token(0));
  });

  it("clicks during a computation still update the mask", () => {
    model.kernel({ state: "computing", progress: 0.3 });
    token(0).click();
    expect(model.get("masked")).toEqual([0]);
    expect(root().dataset.state).toBe("computing");
  });
});

describe("undo and reset", () => {
  it("undo walks back through earlier masks", () => {
    token(3).click();
    token(1).click();
    const undo = el.querySelector("button.sw-undo");
    expect(undo.disabled).toBe(false);
    undo.click();
    expect(model.get("masked")).toEqual([3]);
    undo.click();
    expect(model.get("masked")).toEqual([]);
    expect(undo.disabled).toBe(true);
  });

  it("reset unmasks everything and can be undone", () => {
    token(3).click();
    token(1).click();
    el.querySelector("button.sw-reset").click();
    expect(model.get("masked")).toEqual([]);
    expect(el.querySelector("button.sw-reset").disabled).toBe(true);
    el.querySelector("button.sw-undo").click();
    expect(model.get("masked")).toEqual([1, 3]);
  });

  it("a new text clears the history", () => {
    token(3).click();
    model.kernel({ text: "Something else", masked: [] });
    expect(el.querySelector("button.sw-undo").disabled).toBe(true);
  });
});

describe("errors", () => {
  it("shows the error and a click still sends the mask", () => {
    model.kernel({ state: "error", error: "RuntimeError: out of memory" });
    expect(root().dataset.state).toBe("error");
    expect(el.querySelector(".sw-error").textContent).toBe("RuntimeError: out of memory");
    token(2).click();
    expect(model.get("masked")).toEqual([2]);
    expect(root().dataset.state).toBe("computing");
    answer({ error: "" });
    expect(root().dataset.state).toBe("ready");
    expect(el.querySelector(".sw-error").hidden).toBe(true);
  });
});

describe("intents", () => {
  it("Explain sends the text box's text", () => {
    el.querySelector("textarea.sw-text").value = "A new review.";
    el.querySelector("button.sw-explain").click();
    expect(model.get("text")).toBe("A new review.");
    expect(model.saved).toBe(1);
    expect(root().dataset.state).toBe("computing");
  });

  it("Ctrl+Enter in the text box explains too", () => {
    const textarea = el.querySelector("textarea.sw-text");
    textarea.value = "Short.";
    textarea.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true, bubbles: true }));
    expect(model.get("text")).toBe("Short.");
  });

  it("class, method, budget, players and output", () => {
    const target = el.querySelector("select.sw-target");
    target.value = "0";
    target.dispatchEvent(new Event("change"));
    expect(model.get("target")).toBe(0);
    expect(token(3).dataset.value).toBe("-0.3");

    const method = el.querySelector("select.sw-method");
    method.value = "exact";
    method.dispatchEvent(new Event("change"));
    expect(model.get("method")).toBe("exact");

    const budget = el.querySelector("input.sw-max-evals");
    budget.value = "250";
    budget.dispatchEvent(new Event("change"));
    expect(model.get("max_evals")).toBe(250);
    budget.value = "-3";
    budget.dispatchEvent(new Event("change"));
    expect(model.get("max_evals")).toBe(250);
    expect(budget.value).toBe("250");

    el.querySelector('.sw-players button[data-players="word"]').click();
    expect(model.get("players")).toBe("word");

    const output = el.querySelector("select.sw-output");
    output.value = "logit";
    output.dispatchEvent(new Event("change"));
    expect(model.get("output")).toBe("logit");
    expect(model.saved).toBe(5);
  });

  it("follows changes made from Python", () => {
    model.kernel({ target: 1 });
    expect(el.querySelector("select.sw-target").value).toBe("1");
    expect(token(3).dataset.value).toBe("-0.05");
    model.kernel({ masked: [0] });
    expect(token(0).dataset.masked).toBe("true");
  });
});

describe("lifecycle", () => {
  it("cleanup removes listeners and the DOM", () => {
    expect(model.listenerCount()).toBeGreaterThan(0);
    cleanup();
    cleanup = null;
    expect(model.listenerCount()).toBe(0);
    expect(el.querySelector(".shap-widget")).toBeNull();
  });
});

describe("budget controls", () => {
  beforeEach(() => model.kernel({ method_used: "kernel", max_evals: "auto", n_evals: 1234, settled: true }));

  it("shows auto in the field and the settled note beside it", () => {
    expect(el.querySelector("input.sw-max-evals").value).toBe("auto");
    const note = el.querySelector(".sw-budget-note");
    expect(note.hidden).toBe(false);
    expect(note.textContent).toBe("settled at 1,234 evaluations");
  });

  it("Refine more asks for twice the evaluations shown, and hides while refining", () => {
    const button = el.querySelector("button.sw-refine-more");
    expect(button.hidden).toBe(false);
    button.click();
    expect(model.get("max_evals")).toBe(2468);
    model.kernel({ state: "refining" });
    expect(button.hidden).toBe(true);
  });

  it("typing auto back restores the automatic budget", () => {
    model.kernel({ max_evals: 300 });
    const field = el.querySelector("input.sw-max-evals");
    expect(field.value).toBe("300");
    field.value = "auto";
    field.dispatchEvent(new Event("change"));
    expect(model.get("max_evals")).toBe("auto");
  });
});
