import { createHistory } from "./history.js";
import { TRAITS, normalize, resultMatches, sameMask, sortedMask, toggled } from "./state.js";
import { createView } from "./view.js";

// Traits that only the kernel sets; a change to any of them answers a
// pending intent.
const KERNEL_ANSWERS = ["state", "progress", "result_for", "error"];
const SETTLED = ["ready", "error"];

function render({ model, el }) {
  const history = createHistory();
  let pending = false;
  // The first result, or a user's action, awaits its settled result, which the view then reports as shown
  // (`shown_for`): hosts that re-run cells when the front end writes (marimo) then show cells the settled state.
  let unsettled = false;
  let firstResult = false;
  // Requests sent as custom messages, by id, each with what to call when the kernel answers it.
  let asks = 0;
  const answers = new Map();

  const snapshot = () => {
    const state = Object.fromEntries(TRAITS.map((name) => [name, model.get(name)]));
    return { ...state, pending, canUndo: history.size > 0 };
  };

  const send = (changes, { awaitsKernel = false } = {}) => {
    if (awaitsKernel) pending = true;
    unsettled = true;
    firstResult = false;
    for (const [name, value] of Object.entries(changes)) model.set(name, value);
    model.save_changes();
    view.update(snapshot());
  };

  const setMask = (next) => {
    if (sameMask(next, model.get("masked"))) view.update(snapshot());
    else send({ masked: sortedMask(next) }, { awaitsKernel: true });
  };

  const view = createView(el, {
    onToggle(index) {
      const current = sortedMask(model.get("masked"));
      history.push(current);
      setMask(toggled(current, index));
    },
    onUndo() {
      const previous = history.pop();
      if (previous) setMask(previous);
    },
    onReset() {
      const current = sortedMask(model.get("masked"));
      if (current.length === 0) return;
      history.push(current);
      setMask([]);
    },
    onExplain(text, textPair = null) {
      const changes = {};
      if (text !== model.get("text")) changes.text = text;
      if (textPair != null && textPair !== model.get("text_pair")) changes.text_pair = textPair;
      if (Object.keys(changes).length === 0) return;
      send(changes, { awaitsKernel: true });
    },
    onTarget(index) {
      const target = model.get("target");
      if (index === target) return;
      // "a rather than a" says nothing: choosing the vs class swaps the two
      if (index === model.get("versus")) send({ target: index, versus: target }, { awaitsKernel: true });
      else send({ target: index });
    },
    onVersus(versus) {
      if (versus !== model.get("versus")) send({ versus }, { awaitsKernel: true });
    },
    onPlayers(players) {
      if (players !== model.get("players")) send({ players }, { awaitsKernel: true });
    },
    onMethod(method) {
      if (method !== model.get("method")) send({ method });
    },
    onMaxEvals(maxEvals) {
      if (maxEvals !== model.get("max_evals")) send({ max_evals: maxEvals });
    },
    onOutput(output) {
      if (output !== model.get("output")) send({ output }, { awaitsKernel: true });
    },
    onMode(mode) {
      if (mode !== model.get("mode")) send({ mode });
    },
    onIndex(index) {
      if (index !== model.get("interaction_index")) send({ interaction_index: index });
    },
    onFocus(focus) {
      if (focus !== model.get("focus")) send({ focus });
    },
    onScale(scale) {
      if (scale !== model.get("compare_scale")) send({ compare_scale: scale });
    },
    onFullCurve({ result_for, target }, answered) {
      asks += 1;
      answers.set(asks, answered);
      model.send({ event: "full_curve", id: asks, result_for, target });
    },
    onStop() {
      // One-off request; it names the result it stops, so a Stop meant for an older mask stops nothing.
      model.send({ event: "stop", result_for: model.get("result_for") });
    },
  });

  const settled = (current) =>
    !current.pending &&
    SETTLED.includes(current.state) &&
    (current.state === "error" || resultMatches(normalize(current)));

  const reportSettled = () => {
    if (!unsettled || !settled(snapshot())) return;
    unsettled = false;
    // Jupyter's output areas read the kernel's state directly; only a host that re-runs cells on the front
    // end's writes (marimo) needs the first result reported too. Under Jupyter, a kernel just restarted may
    // never acknowledge a write made before the user's first action, and would then hold that action back.
    if (firstResult && el.closest(".jp-OutputArea-output")) {
      firstResult = false;
      return;
    }
    firstResult = false;
    model.set("shown_for", model.get("result_for"));
    model.save_changes();
  };

  const handlers = TRAITS.map((name) => {
    const handler = () => {
      if (KERNEL_ANSWERS.includes(name)) pending = false;
      if (name === "text" || name === "text_pair" || name === "players") history.clear();
      view.update(snapshot());
      if (KERNEL_ANSWERS.includes(name)) reportSettled();
    };
    model.on(`change:${name}`, handler);
    return [`change:${name}`, handler];
  });

  const onMessage = (content) => {
    const answered = answers.get(content?.id);
    if (content?.event !== "full_curve" || !answered) return;
    answers.delete(content.id);
    answered(Boolean(content.done));
  };
  model.on("msg:custom", onMessage);

  view.update(snapshot());
  unsettled = !settled(snapshot());
  firstResult = unsettled;

  return () => {
    for (const [event, handler] of handlers) model.off(event, handler);
    model.off("msg:custom", onMessage);
    view.destroy();
  };
}

export { renderStatic } from "./static.js";

export default { render };
