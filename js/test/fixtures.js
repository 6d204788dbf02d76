import { createView } from "../src/view.js";

export const TEXT = "The movie was great!";

export const LABELS = ["negative", "neutral", "positive"];

export function sampleState(overrides = {}) {
  return {
    text: TEXT,
    tokens: [
      { text: "The", prefix: "" },
      { text: "movie", prefix: " " },
      { text: "was", prefix: " " },
      { text: "great", prefix: " " },
      { text: "!", prefix: "" },
    ],
    labels: LABELS,
    values: [
      [0.01, 0.0, -0.01],
      [-0.02, 0.01, 0.05],
      [0.03, -0.01, -0.1],
      [-0.3, -0.05, 0.4],
      [0.0, 0.0, 0.025],
    ],
    base_values: [0.3, 0.3, 0.4],
    outputs: [0.02, 0.25, 0.765],
    output: "probability",
    probabilities: [0.02, 0.25, 0.73],
    probabilities_full: [0.02, 0.25, 0.73],
    method: "auto",
    method_used: "exact",
    n_evals: 32,
    max_evals: 500,
    players: "token",
    masked: [],
    target: 2,
    result_for: { text: TEXT, masked: [], players: "token", method: "auto", max_evals: 500, output: "probability" },
    state: "ready",
    progress: 1,
    error: "",
    truncated: false,
    ...overrides,
  };
}

/** A stand-in for an anywidget model, recording what the front end sends. */
export function fakeModel(initial) {
  const data = structuredClone(initial);
  const listeners = new Map();
  const model = {
    saved: 0,
    sets: [],
    sent: [],
    get: (name) => data[name],
    set(name, value) {
      model.sets.push([name, value]);
      const changed = JSON.stringify(data[name]) !== JSON.stringify(value);
      data[name] = value;
      if (changed) for (const cb of listeners.get(`change:${name}`) ?? []) cb();
    },
    save_changes() {
      model.saved += 1;
    },
    send(content) {
      model.sent.push(structuredClone(content));
    },
    on(event, cb) {
      if (!listeners.has(event)) listeners.set(event, []);
      listeners.get(event).push(cb);
    },
    off(event, cb) {
      listeners.set(event, (listeners.get(event) ?? []).filter((f) => f !== cb));
    },
    /** A custom message from the kernel. */
    message(content) {
      for (const cb of listeners.get("msg:custom") ?? []) cb(structuredClone(content));
    },
    listenerCount: () => [...listeners.values()].reduce((n, l) => n + l.length, 0),
    /** One update message from the kernel: all values first, then the events. */
    kernel(changes) {
      Object.assign(data, structuredClone(changes));
      for (const name of Object.keys(changes)) {
        for (const cb of listeners.get(`change:${name}`) ?? []) cb();
      }
    },
  };
  return model;
}

const mounted = [];

/** Renders `state` into a new view in the document; `unmountViews()` removes every such view. */
export function renderView(state, actions, options) {
  const container = document.createElement("div");
  document.body.append(container);
  mounted.push(container);
  const view = createView(container, actions, options);
  view.update(state);
  return { root: container.querySelector(".shap-widget"), view, container };
}

export function unmountViews() {
  while (mounted.length) mounted.pop().remove();
}
