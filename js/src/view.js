import { h, onThemeChange, setAttr, setText } from "./dom.js";
import { createAdditive } from "./additive.js";
import { createCompare } from "./compare.js";
import { createClassSelect, createInput, createMaskButtons, createSettings } from "./controls.js";
import { createVersusSelect } from "./versus.js";
import { createFaithfulness } from "./faithfulness.js";
import { createHeatmap } from "./heatmap.js";
import { createInteractions } from "./interactions.js";
import { createLegend } from "./legend.js";
import { createPairInput } from "./pair.js";
import { createProbabilities } from "./probabilities.js";
import { backgroundOf, createScaleKeeper, robustMax, saturatedCount } from "./scale.js";
import { displayState, isStale, normalize, resultOutput, valuesFitTokens } from "./state.js";
import { createTopTokens } from "./top.js";
import { createStopButton, createUncertaintyKey, errorsFitValues, refiningLabel } from "./uncertainty.js";

const noop = () => {};

const ACTIONS = [
  "onToggle",
  "onUndo",
  "onReset",
  "onExplain",
  "onTarget",
  "onVersus",
  "onPlayers",
  "onMethod",
  "onMaxEvals",
  "onOutput",
  "onMode",
  "onIndex",
  "onFocus",
  "onStop",
  "onScale",
  "onFullCurve",
];

function createProgress() {
  const fill = h("span", { class: "sw-progress-fill" });
  const label = h("span", { class: "sw-progress-label" });
  const el = h(
    "div",
    { class: "sw-progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-label": "Computing" },
    [h("span", { class: "sw-progress-track" }, [fill]), label],
  );

  function update(s, shownState) {
    const refining = shownState === "refining";
    el.hidden = shownState !== "computing" && !refining;
    const running = s.state === "computing" || refining;
    // While refining, the bar shows the evaluations spent of the budget, as the footer counts them.
    const budget = Number(s.max_evals) || 0;
    const spent = refining && budget > 0 ? (Number(s.n_evals) || 0) / budget : 0;
    const share = running ? Math.max(0, Math.min(1, Math.max(Number(s.progress) || 0, spent))) : 0;
    setAttr(el, "data-progress", String(share));
    setAttr(el, "aria-valuenow", Math.round(share * 100));
    fill.style.width = `${(share * 100).toFixed(1)}%`;
    if (refining) setText(label, refiningLabel(s));
    else setText(label, s.state === "computing" ? `Computing… ${Math.round(share * 100)}%` : "Waiting for the kernel…");
  }

  return { el, update };
}

function createMeta() {
  const method = h("span", { class: "sw-method-used" });
  const evals = h("span", { class: "sw-n-evals" });
  const truncated = h("span", {
    class: "sw-truncated",
    text: "Input truncated to the model's maximum length",
  });
  const el = h("div", { class: "sw-meta" }, [method, evals, truncated]);

  function update(s) {
    const has = s.tokens.length > 0 && Boolean(s.method_used);
    method.hidden = !has;
    evals.hidden = !has;
    setText(method, s.method_used);
    setAttr(method, "title", "SHAP method used");
    const n = Number(s.n_evals) || 0;
    setText(evals, `${n.toLocaleString("en-US")} evaluation${n === 1 ? "" : "s"}`);
    setAttr(evals, "data-n-evals", n);
    truncated.hidden = !s.truncated;
    el.hidden = !has && !s.truncated;
  }

  return { el, update };
}

/**
 * Builds the widget DOM inside `container` and returns `update(state)`,
 * which renders a plain state object (synced traits plus `pending` and
 * `canUndo`) into it. With `readOnly` (a page without a kernel) only the
 * class can be changed: text, mask and settings are shown but disabled.
 */
export function createView(container, actions = {}, { readOnly = false } = {}) {
  const on = Object.fromEntries(ACTIONS.map((name) => [name, actions[name] ?? noop]));

  const explain = () => on.onExplain(input.el.querySelector("textarea").value, pairInput.value());
  const input = createInput({ onExplain: explain });
  const pairInput = createPairInput({ onSubmit: explain });
  const settings = createSettings({
    onPlayers: on.onPlayers,
    onMethod: on.onMethod,
    onMaxEvals: on.onMaxEvals,
    onOutput: on.onOutput,
  });
  const classSelect = createClassSelect({ onSelect: on.onTarget });
  const versusSelect = createVersusSelect({ onSelect: on.onVersus });
  let rescaling = false;
  const keeper = createScaleKeeper();
  const legend = createLegend({
    onRescale(on) {
      rescaling = on;
      keeper.reset();
      if (last) update(last);
    },
  });
  const top = createTopTokens();
  let last = null;
  const maskButtons = createMaskButtons({ onUndo: on.onUndo, onReset: on.onReset });
  const stop = createStopButton({ onStop: on.onStop });
  const progress = createProgress();
  const uncertaintyKey = createUncertaintyKey();
  const error = h("div", { class: "sw-error", role: "alert" });
  const interactions = createInteractions({
    onMode: on.onMode,
    onIndex: on.onIndex,
    onFocus: on.onFocus,
    onToggle: on.onToggle,
    readOnly,
  });
  let mode = "attributions";
  const heatmap = createHeatmap({
    onToggle: (i) => (mode === "interactions" ? interactions.pick(i) : on.onToggle(i)),
    readOnly,
  });
  const additive = createAdditive();
  const probabilities = createProbabilities({ onSelect: on.onTarget });
  const faithfulness = createFaithfulness({ readOnly, onFullCurve: on.onFullCurve });
  const meta = createMeta();
  const compare = createCompare({ onToggle: on.onToggle, onScale: on.onScale, readOnly });

  const summary = h("div", { class: "sw-summary" }, [additive.el, probabilities.el]);
  const result = h("div", { class: "sw-result" }, [
    interactions.bar,
    h("div", { class: "sw-toolbar" }, [
      classSelect.el,
      versusSelect.el,
      legend.el,
      interactions.legend,
      uncertaintyKey.el,
      // in the toolbar's own line, so that coming and going it moves nothing below
      h("div", { class: "sw-progress-row" }, [progress.el, stop.el]),
      maskButtons.el,
    ]),
    error,
    h("div", { class: "sw-heatmap-row" }, [heatmap.el, interactions.matrix]),
    top.el,
    compare.el,
    summary,
    faithfulness.el,
    meta.el,
  ]);
  const root = h("div", { class: "shap-widget", "data-state": "ready" }, [input.el, pairInput.el, settings.el, result]);
  if (readOnly) {
    setAttr(root, "data-static", "true");
    for (const control of [...input.el.querySelectorAll("button"), ...settings.el.querySelectorAll("*")]) {
      if ("disabled" in control) control.disabled = true;
    }
    for (const box of root.querySelectorAll("textarea")) box.readOnly = true; // still selectable and copyable
    maskButtons.el.hidden = true;
    versusSelect.select.disabled = true; // another contrast needs the kernel
    versusSelect.toggle.disabled = true;
  }
  container.append(root);

  function update(raw) {
    last = raw;
    const s = normalize(raw);
    const shownValues = valuesFitTokens(s) ? s.values : [];
    const shownErrors = shownValues.length > 0 && errorsFitValues(s) ? s.errors : [];
    const shownState = displayState(s);
    const stale = isStale(s) && s.tokens.length > 0;

    setAttr(root, "data-state", shownState);
    setAttr(root, "data-stale", stale ? "true" : "false");
    setAttr(root, "aria-busy", shownState === "computing" || shownState === "refining" ? "true" : "false");
    summary.classList.toggle("sw-stale", stale);
    mode = s.mode;
    const shownInteractions = interactions.update(s);
    heatmap.el.classList.toggle("sw-stale", stale || shownInteractions.stale);
    // The standard errors are those of the attributions, not of the pair values.
    const markedErrors = shownInteractions.active ? [] : shownErrors;

    input.update(s);
    pairInput.update(s);
    settings.update(s);
    classSelect.update(s);
    versusSelect.update(s);
    const label = s.labels[s.target] ?? `class ${s.target}`;
    const shownLabel = s.versus >= 0 && s.labels[s.versus] != null ? `${label} vs ${s.labels[s.versus]}` : label;
    const background = backgroundOf(heatmap.el);
    const scale = keeper.scale({
      key: JSON.stringify([s.text, s.text_pair, s.players, s.target, s.versus, resultOutput(s)]),
      max: shownValues.length ? robustMax(shownValues, s.target, s.masked) : 0,
      final: shownState === "ready",
      rescale: rescaling,
    });
    legend.update(scale, shownLabel, {
      background,
      saturated: saturatedCount(shownValues, s.target, s.masked, scale),
      rescaling,
      fixed: !rescaling,
    });
    legend.el.hidden = s.tokens.length === 0 || shownInteractions.active;
    maskButtons.update(s);
    progress.update(s, shownState);
    stop.update(s, shownState, readOnly);
    uncertaintyKey.update({ ...s, values: shownValues, errors: markedErrors });

    const showError = s.state === "error";
    error.hidden = !showError;
    setText(error, showError ? s.error || "The explanation failed." : "");

    heatmap.update(
      { ...s, values: shownInteractions.active ? shownInteractions.row : shownValues, errors: markedErrors },
      shownInteractions.active ? { background } : { scale, background },
    );
    top.update({ ...s, values: shownValues, errors: shownErrors }, { label: shownLabel, hidden: shownInteractions.active });
    if (shownInteractions.active) interactions.decorate(heatmap.el, s, shownInteractions);
    else interactions.clear(heatmap.el);
    additive.update(s);
    probabilities.update(s);
    faithfulness.update(s);
    meta.update(s);
    compare.update(s);
  }

  // Chips are mixed into the page's colour.
  const stopWatching = onThemeChange(() => last && update(last));

  return {
    root,
    update,
    destroy() {
      stopWatching();
      root.remove();
    },
  };
}
