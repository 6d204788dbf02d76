import { fitHeight, h, setAttr } from "./dom.js";
import { displayState } from "./state.js";

const METHODS = ["auto", "exact", "kernel", "partition", "permutation"];
const OUTPUTS = [
  ["probability", "probability"],
  ["logit", "logit"],
  ["log-odds", "log-odds"],
];
const PLAYERS = [
  ["token", "Tokens"],
  ["word", "Words"],
];

function setOptions(select, options) {
  const key = JSON.stringify(options);
  if (select.dataset.options === key) return;
  select.dataset.options = key;
  select.replaceChildren(...options.map(([value, label]) => h("option", { value, text: label })));
}

function field(label, control, tag = "label") {
  return h(tag, { class: "sw-field" }, [h("span", { class: "sw-field-label", text: label }), control]);
}

const SAMPLED = ["kernel", "permutation"];

/** A budget typed in the field: "auto", an integer of at least 2, or null for anything else. */
export function parseBudget(text) {
  const t = String(text ?? "").trim().toLowerCase();
  if (t === "auto") return "auto";
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) && n >= 2 ? n : null;
}

/** Whether the shown result is a finished sampled estimate, which Refine more can continue. */
export function canRefineMore(s) {
  return displayState(s) === "ready" && SAMPLED.includes(s.method_used) && Number(s.n_evals) > 0;
}

/**
 * The note beside the Budget field: with an automatic budget, where the
 * shown estimate stopped ("settled at 230 evaluations"); "" otherwise.
 */
export function budgetNote(s) {
  if (s.max_evals !== "auto" || !canRefineMore(s)) return "";
  const n = Number(s.n_evals).toLocaleString("en-US");
  if (s.settled == null) return `${n} evaluations`;
  return s.settled ? `settled at ${n} evaluations` : `stopped at ${n} evaluations, not settled`;
}

/** The text box and the Explain button. */
export function createInput({ onExplain }) {
  const textarea = h("textarea", {
    class: "sw-text",
    rows: 2,
    spellcheck: "false",
    placeholder: "Text to classify",
    "aria-label": "Text to explain",
  });
  const explain = h("button", { class: "sw-explain sw-primary", type: "button", text: "Explain" });
  const el = h("div", { class: "sw-input" }, [textarea, explain]);
  let syncedText = null;

  explain.addEventListener("click", () => onExplain(textarea.value));
  textarea.addEventListener("input", () => fitHeight(textarea));
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onExplain(textarea.value);
    }
  });
  setAttr(explain, "title", "Explain this text (Ctrl+Enter)");

  function update(s) {
    if (s.text !== syncedText) {
      textarea.value = s.text;
      syncedText = s.text;
      fitHeight(textarea);
    }
  }

  return { el, update };
}

/** Players toggle, method, evaluation budget and output space. */
export function createSettings({ onPlayers, onMethod, onMaxEvals, onOutput }) {
  const playerButtons = PLAYERS.map(([value, label]) =>
    h("button", { type: "button", "data-players": value, text: label, onclick: () => onPlayers(value) }),
  );
  const players = h("div", { class: "sw-players sw-segmented", role: "group", "aria-label": "Players" }, playerButtons);

  const method = h("select", { class: "sw-method", onchange: () => onMethod(method.value) });
  setOptions(method, METHODS.map((m) => [m, m]));

  const maxEvals = h("input", {
    class: "sw-max-evals",
    type: "text",
    size: 6,
    spellcheck: "false",
    title: "Model evaluations: auto (refine until the values are settled) or a number",
  });
  let shownMaxEvals = null;
  maxEvals.addEventListener("change", () => {
    const budget = parseBudget(maxEvals.value);
    if (budget != null) onMaxEvals(budget);
    else maxEvals.value = String(shownMaxEvals);
  });
  const note = h("span", { class: "sw-budget-note", "aria-live": "polite" });
  let refineTo = 0;
  const refineMore = h("button", {
    class: "sw-refine-more",
    type: "button",
    text: "Refine more",
    onclick: () => refineTo && onMaxEvals(refineTo),
  });
  setAttr(refineMore, "title", "Continue the same sample to twice its evaluations");

  const output = h("select", { class: "sw-output", onchange: () => onOutput(output.value) });
  setOptions(output, OUTPUTS);

  const el = h("div", { class: "sw-settings" }, [
    field("Players", players, "div"),
    field("Method", method),
    field("Budget", maxEvals),
    note,
    refineMore,
    field("Output", output),
  ]);

  function update(s) {
    for (const button of playerButtons) {
      setAttr(button, "aria-pressed", button.dataset.players === s.players ? "true" : "false");
    }
    setAttr(players, "data-value", s.players);
    if (method.value !== s.method) method.value = s.method;
    if (output.value !== s.output) output.value = s.output;
    if (s.max_evals !== shownMaxEvals) {
      shownMaxEvals = s.max_evals;
      maxEvals.value = String(s.max_evals);
    }
    const text = budgetNote(s);
    if (note.textContent !== text) note.textContent = text;
    note.hidden = text === "";
    refineTo = canRefineMore(s) ? 2 * Number(s.n_evals) : 0;
    refineMore.hidden = refineTo === 0;
  }

  return { el, update };
}

/** Which class's attributions are shown. */
export function createClassSelect({ onSelect }) {
  const select = h("select", { class: "sw-target", "aria-label": "Class to explain" });
  select.addEventListener("change", () => onSelect(Number(select.value)));
  const el = field("Class", select);

  function update(s) {
    setOptions(
      select,
      s.labels.map((label, i) => [String(i), String(label)]),
    );
    select.disabled = s.labels.length === 0;
    if (select.value !== String(s.target)) select.value = String(s.target);
  }

  return { el, update };
}

/** Undo and Reset of the mask. */
export function createMaskButtons({ onUndo, onReset }) {
  const undo = h("button", { class: "sw-undo", type: "button", text: "Undo", onclick: onUndo });
  const reset = h("button", { class: "sw-reset", type: "button", text: "Reset", onclick: onReset });
  setAttr(undo, "title", "Undo the last mask change");
  setAttr(reset, "title", "Unmask all tokens");
  const el = h("div", { class: "sw-mask-buttons" }, [undo, reset]);

  function update(s) {
    undo.disabled = !s.canUndo;
    reset.disabled = s.masked.length === 0;
  }

  return { el, update };
}
