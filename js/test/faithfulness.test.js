import { afterEach, describe, expect, it } from "vitest";
import { faithfulnessStatus, plotScale, polylinePoints, sameRequest } from "../src/faithfulness.js";
import widget from "../src/widget.js";
import { fakeModel, renderView, unmountViews } from "./fixtures.js";
import { normalize } from "../src/state.js";
import { renderStatic } from "../src/static.js";
import { createView } from "../src/view.js";
import { sampleState } from "./fixtures.js";

let container;

afterEach(() => {
  container?.remove();
  unmountViews();
});

/** Faithfulness of the sample state's explanation for class 2: 5 players, levels 10/20/50 %. */
function measured(overrides = {}) {
  const s = sampleState();
  return {
    target: 2,
    label: "positive",
    output: "probability",
    order: [3, 1, 4, 0, 2],
    fractions: [0, 0.2, 0.4, 0.6, 0.8, 1],
    deletion: [0.765, 0.4, 0.35, 0.36, 0.45, 0.4],
    insertion: [0.4, 0.7, 0.75, 0.8, 0.77, 0.765],
    aopc_deletion: 0.3,
    aopc_insertion: 0.05,
    levels: [0.1, 0.2, 0.5],
    comprehensiveness: [0.365, 0.365, 0.405],
    sufficiency: [0.065, 0.065, -0.035],
    result_for: { ...s.result_for },
    ...overrides,
  };
}

function render(state, options) {
  container = document.createElement("div");
  document.body.append(container);
  const view = createView(container, {}, options);
  view.update(state);
  return { root: container.querySelector(".shap-widget"), view };
}

const panel = (root) => root.querySelector(".sw-faithfulness");

describe("faithfulness status", () => {
  it("is ready only for the shown request and class", () => {
    const f = measured();
    expect(faithfulnessStatus(normalize(sampleState({ faithfulness: f })))).toBe("ready");
    expect(faithfulnessStatus(normalize(sampleState({ faithfulness: f, target: 0 })))).toBe("computing");
    const otherMask = { ...f, result_for: { ...f.result_for, masked: [1] } };
    expect(faithfulnessStatus(normalize(sampleState({ faithfulness: otherMask })))).toBe("computing");
    expect(faithfulnessStatus(normalize(sampleState({ faithfulness: f, pending: true })))).toBe("computing");
    expect(faithfulnessStatus(normalize(sampleState({ faithfulness: {} })))).toBe("computing");
  });

  it("reports an error, and nothing when the explanation failed or there are no tokens", () => {
    const failed = { result_for: sampleState().result_for, target: 2, error: "RuntimeError: boom" };
    expect(faithfulnessStatus(normalize(sampleState({ faithfulness: failed })))).toBe("error");
    expect(faithfulnessStatus(normalize(sampleState({ state: "error", faithfulness: {} })))).toBe("none");
    expect(faithfulnessStatus(normalize(sampleState({ tokens: [], values: [] })))).toBe("none");
  });

  it("is unavailable, not computing, on a page without a kernel", () => {
    const s = normalize(sampleState({ faithfulness: measured(), target: 0 }));
    expect(faithfulnessStatus(s, { readOnly: true })).toBe("unavailable");
  });

  it("compares requests key by key", () => {
    expect(sameRequest({ a: 1, m: [1, 2] }, { m: [1, 2], a: 1 })).toBe(true);
    expect(sameRequest({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameRequest(undefined, {})).toBe(false);
  });
});

describe("curve geometry", () => {
  it("maps the lowest and highest values to the plot's bottom and top, inside [0, 1] for probabilities", () => {
    const scale = plotScale(measured());
    expect(scale.lo).toBeCloseTo(0.35 - 0.45 * 0.06, 10);
    expect(scale.hi).toBeCloseTo(0.8 + 0.45 * 0.06, 10);
    expect(scale.y(scale.hi)).toBeCloseTo(8, 10);
    expect(scale.y(scale.lo)).toBeCloseTo(108, 10);
    expect(scale.x(0)).toBe(40);
    expect(scale.x(1)).toBe(252);
    const clipped = plotScale(measured({ deletion: [1, 0], insertion: [0, 1] }));
    expect([clipped.lo, clipped.hi]).toEqual([0, 1]);
  });

  it("gives a flat curve a unit range instead of dividing by zero", () => {
    const scale = plotScale(measured({ output: "logit", deletion: [2, 2], insertion: [2, 2] }));
    expect(scale.hi - scale.lo).toBeCloseTo(1.12, 10);
    expect(Number.isFinite(scale.y(2))).toBe(true);
  });

  it("lists one point per step", () => {
    const scale = { x: (f) => f * 100, y: (v) => 10 - v };
    expect(polylinePoints([0, 0.5, 1], [1, 2, 3], scale)).toBe("0.00,9.00 50.00,8.00 100.00,7.00");
  });
});

describe("faithfulness panel", () => {
  it("draws both curves with their AOPC and the table of comprehensiveness and sufficiency", () => {
    const { root } = render(sampleState({ faithfulness: measured() }));
    const el = panel(root);
    expect(el.hidden).toBe(false);
    expect(el.dataset.status).toBe("ready");
    expect(el.dataset.target).toBe("2");
    expect(el.dataset.aopcDeletion).toBe("0.3");
    expect(el.dataset.aopcInsertion).toBe("0.05");
    const curves = [...el.querySelectorAll("polyline")];
    expect(curves.map((c) => c.dataset.curve)).toEqual(["deletion", "insertion"]);
    expect(curves[0].getAttribute("points").split(" ")).toHaveLength(6);
    expect(el.querySelectorAll("circle")).toHaveLength(12);
    const cells = (name) =>
      [...el.querySelectorAll(`tr[data-measure="${name}"] td`)].map((td) => [td.dataset.level, td.dataset.value]);
    expect(cells("comprehensiveness")).toEqual([
      ["0.1", "0.365"],
      ["0.2", "0.365"],
      ["0.5", "0.405"],
    ]);
    expect(cells("sufficiency").map(([, v]) => v)).toEqual(["0.065", "0.065", "-0.035"]);
    expect(el.querySelector(".sw-faith-full").dataset.value).toBe("0.765");
    expect(el.querySelector(".sw-faith-title").textContent).toBe("Faithfulness · P(positive)");
  });

  it("hides the curves of an older request while the new one is measured", () => {
    const { root, view } = render(sampleState({ faithfulness: measured() }));
    view.update(sampleState({ faithfulness: measured(), masked: [1] }));
    const el = panel(root);
    expect(el.dataset.status).toBe("computing");
    expect(el.querySelector(".sw-faith-body").hidden).toBe(true);
    expect(el.dataset.aopcDeletion).toBeUndefined();
    expect(el.querySelector(".sw-faith-status").textContent).toBe("measuring…");
  });

  it("shows the kernel's error message", () => {
    const failed = { result_for: sampleState().result_for, target: 2, error: "RuntimeError: boom" };
    const { root } = render(sampleState({ faithfulness: failed }));
    expect(panel(root).dataset.status).toBe("error");
    expect(panel(root).querySelector(".sw-faith-status").textContent).toBe("RuntimeError: boom");
  });
});

describe("static page", () => {
  it("renders the saved state read-only, keeps the class selector, and hides curves of other classes", () => {
    container = document.createElement("div");
    document.body.append(container);
    renderStatic({ el: container, state: sampleState({ faithfulness: measured() }) });
    const root = container.querySelector(".shap-widget");
    expect(root.dataset.static).toBe("true");
    expect(root.dataset.state).toBe("ready");
    const values = () => [...root.querySelectorAll(".sw-token")].map((t) => t.dataset.value);
    expect(values()).toEqual(["-0.01", "0.05", "-0.1", "0.4", "0.025"]);
    expect(root.querySelector(".sw-text").readOnly).toBe(true);
    expect(root.querySelector(".sw-method").disabled).toBe(true);
    expect(root.querySelector(".sw-mask-buttons").hidden).toBe(true);
    expect(panel(root).dataset.status).toBe("ready");

    root.querySelector('.sw-token[data-index="3"]').click();
    expect(root.querySelector('.sw-token[data-index="3"]').dataset.masked).toBe("false");

    const select = root.querySelector(".sw-target");
    expect(select.disabled).toBe(false);
    select.value = "0";
    select.dispatchEvent(new Event("change"));
    expect(values()).toEqual(["0.01", "-0.02", "0.03", "-0.3", "0"]);
    expect(panel(root).dataset.status).toBe("unavailable");
    expect(panel(root).querySelector(".sw-faith-status").textContent).toBe("measured for positive only");
  });
});

/** Faithfulness measured at steps 0, 1, 3 and 5 of 0..5, as after a sampled explanation. */
const sampledCurves = (overrides = {}) =>
  measured({
    steps: [0, 1, 3, 5],
    fractions: [0, 0.2, 0.6, 1],
    deletion: [0.765, 0.4, 0.36, 0.4],
    insertion: [0.4, 0.7, 0.8, 0.765],
    ...overrides,
  });
const points = (el) => [...el.querySelectorAll("polyline")].map((p) => p.getAttribute("points").split(" ").length);
const open = (el) => {
  el.open = true;
  el.dispatchEvent(new Event("toggle"));
};

describe("full curve on opening the panel", () => {
  it("asks the kernel once, when opened, then draws every step and keeps the sampled summary", () => {
    const asked = [];
    const state = sampleState({ faithfulness: sampledCurves() });
    const { root, view } = renderView(state, { onFullCurve: (request, answered) => asked.push([request, answered]) });
    const el = panel(root);
    view.update(state);
    expect(asked).toHaveLength(0); // closed: the sampled curves are enough for the summary line
    expect(points(el)).toEqual([4, 4]);

    open(el);
    view.update(state);
    expect(asked.map(([request]) => request)).toEqual([{ result_for: state.result_for, target: 2 }]);
    expect(el.querySelector(".sw-faith-note").textContent).toBe("4 of 6 steps · measuring every step…");

    const summary = el.querySelector(".sw-faith-status").textContent;
    const full = { ...measured(), aopc_deletion: 0.31, aopc_insertion: 0.04 };
    const answered = sampleState({ faithfulness: { ...sampledCurves(), full_curve: full } });
    view.update(answered);
    asked[0][1](true);
    expect(points(el)).toEqual([6, 6]);
    expect(el.querySelector(".sw-faith-plot").dataset.points).toBe("6");
    expect(el.querySelector(".sw-faith-note").textContent).toBe("every step (6)");
    expect(el.querySelector(".sw-faith-status").textContent).toBe(summary);
    expect(el.querySelector('.sw-faith-key[data-curve="deletion"] .sw-faith-aopc').textContent).toBe("0.310");
    view.update(answered);
    expect(asked).toHaveLength(1);
  });

  it("asks again for a new result while open, never for curves already complete or on a static page", () => {
    const asked = [];
    const { root, view } = renderView(sampleState({ faithfulness: measured() }), {
      onFullCurve: (request) => asked.push(request),
    });
    open(panel(root));
    expect(asked).toHaveLength(0);
    const masked = { ...sampleState().result_for, masked: [1] };
    view.update(sampleState({ masked: [1], result_for: masked, faithfulness: sampledCurves({ result_for: masked }) }));
    expect(asked).toEqual([{ result_for: masked, target: 2 }]);

    const page = renderView(sampleState({ faithfulness: sampledCurves() }), { onFullCurve: (r) => asked.push(r) }, { readOnly: true });
    open(panel(page.root));
    expect(asked).toHaveLength(1);
  });

  it("goes to the kernel as a message with an id, and its answer ends the wait", () => {
    const el = document.createElement("div");
    document.body.append(el);
    const model = fakeModel(sampleState({ faithfulness: sampledCurves() }));
    const cleanup = widget.render({ model, el });
    open(el.querySelector(".sw-faithfulness"));
    expect(model.sent).toEqual([{ event: "full_curve", id: 1, result_for: sampleState().result_for, target: 2 }]);
    const note = el.querySelector(".sw-faith-note");
    expect(note.textContent).toContain("measuring every step");
    model.message({ event: "full_curve", id: 2, done: true }); // not ours
    expect(note.textContent).toContain("measuring every step");
    model.message({ event: "full_curve", id: 1, done: false });
    expect(note.textContent).toBe("4 of 6 steps");
    cleanup();
    expect(model.listenerCount()).toBe(0);
    el.remove();
  });
});
