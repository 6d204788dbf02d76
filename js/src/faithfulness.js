import { h, setAttr, setText } from "./dom.js";
import { formatNumber, formatPercent, formatPrecise, outputLabel, plainNumber } from "./format.js";
import { displayState, resultMatches, resultVersus } from "./state.js";

const SVG = "http://www.w3.org/2000/svg";
// Plot geometry in viewBox units: the plot area and the margins for tick labels.
const WIDTH = 260;
const HEIGHT = 130;
const LEFT = 40;
const RIGHT = 8;
const TOP = 8;
const BOTTOM = 22;
// Markers on every step while there are few enough to tell apart.
const MAX_MARKERS = 30;

const CURVES = [
  {
    name: "deletion",
    label: "Deletion",
    help: "Output with the top-ranked tokens removed. A steep early drop means the explanation found the tokens the prediction rests on; AOPC (higher is more faithful) is the mean drop over all steps.",
  },
  {
    name: "insertion",
    label: "Insertion",
    help: "Output with only the top-ranked tokens kept. A fast rise back to the full output means those tokens suffice; AOPC (lower is more faithful) is the mean gap to the full output over all steps.",
  },
];

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value != null) el.setAttribute(key, String(value));
  return el;
}

const numbers = (xs) => (Array.isArray(xs) ? xs.map(Number) : []);

/** Same keys and same JSON values: the faithfulness was measured for this request. */
export function sameRequest(a, b) {
  if (!a || !b || typeof a !== "object" || typeof b !== "object") return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/**
 * What the faithfulness panel can show for state `s`: "ready" (curves of
 * the shown explanation and class), "error", "computing" (not measured
 * yet), "unavailable" (a static page, measured for another class) or
 * "none" (nothing to measure).
 */
export function faithfulnessStatus(s, { readOnly = false } = {}) {
  if (s.tokens.length === 0) return "none";
  const f = s.faithfulness ?? {};
  const fresh =
    displayState(s) === "ready" &&
    resultMatches(s) &&
    sameRequest(f.result_for, s.result_for) &&
    Number(f.target) === s.target;
  if (fresh) return f.error ? "error" : Array.isArray(f.deletion) ? "ready" : "computing";
  if (s.state === "error") return "none";
  return readOnly ? "unavailable" : "computing";
}

/** The curves measured at every step once the panel asked for them (`full_curve`), else null. */
export function fullCurve(f) {
  const c = f?.full_curve;
  return c && !c.error && Array.isArray(c.deletion) && Array.isArray(c.insertion) ? c : null;
}

/** What the plot's caption says about its steps: all of them, or how many of how many. */
export function stepsNote(f, { waiting = false } = {}) {
  if (!Array.isArray(f.steps)) return `every step (${numbers(f.fractions).length})`;
  const steps = numbers(f.steps);
  const note = `${steps.length} of ${(steps[steps.length - 1] ?? 0) + 1} steps`;
  if (waiting) return `${note} · measuring every step…`;
  return f.full_curve?.error ? `${note} · every step failed: ${f.full_curve.error}` : note;
}

/** Maps the curves' values into the plot: y from the smallest to the largest value shown. */
export function plotScale(f) {
  const values = [...numbers(f.deletion), ...numbers(f.insertion)].filter(Number.isFinite);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!values.length) [lo, hi] = [0, 1];
  if (hi - lo < 1e-12) [lo, hi] = [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.06;
  lo -= pad;
  hi += pad;
  if (f.output === "probability") [lo, hi] = [Math.max(0, lo), Math.min(1, hi)];
  const x = (fraction) => LEFT + Number(fraction) * (WIDTH - LEFT - RIGHT);
  const y = (value) => TOP + ((hi - Number(value)) / (hi - lo)) * (HEIGHT - TOP - BOTTOM);
  return { lo, hi, x, y };
}

/** The points attribute of a polyline through (fractions[k], values[k]). */
export function polylinePoints(fractions, values, scale) {
  return fractions
    .map((fraction, k) => `${scale.x(fraction).toFixed(2)},${scale.y(values[k]).toFixed(2)}`)
    .join(" ");
}

/**
 * Deletion and insertion curves of the shown explanation, drawn as an
 * inline SVG from the numbers in the `faithfulness` trait, with
 * comprehensiveness and sufficiency at a few shares of the tokens.
 * The curves measured after each result may be sampled; opening the panel
 * asks the kernel once for every step (`onFullCurve(request, answered)`),
 * which the plot then draws while the summary line keeps the sampled numbers.
 */
export function createFaithfulness({ readOnly = false, onFullCurve = null } = {}) {
  const plot = svg("svg", {
    class: "sw-faith-plot",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    width: WIDTH,
    height: HEIGHT,
    role: "img",
  });
  const title = h("span", { class: "sw-faith-title", text: "Faithfulness" });
  const status = h("span", { class: "sw-faith-status" });
  const legend = h("div", { class: "sw-faith-legend" });
  const table = h("table", { class: "sw-faith-table" });
  const note = h("div", { class: "sw-faith-note" });
  const body = h("div", { class: "sw-faith-body" }, [
    h("div", { class: "sw-faith-figure" }, [plot, note]),
    h("div", { class: "sw-faith-numbers" }, [legend, table]),
  ]);
  // Closed until opened: its summary line carries the two AOPC numbers.
  const el = h("details", { class: "sw-faithfulness" }, [
    h("summary", { class: "sw-faith-summary" }, [title, status]),
    body,
  ]);
  setAttr(
    el,
    "title",
    "Removes the tokens in the order the explanation ranks them for the selected class, with the same masking as the explanation",
  );
  let drawnKey = null;
  let last = null;
  // The result and class whose full curves were asked for, and whether the kernel has not answered yet.
  let asked = null;
  let waiting = false;

  function askFullCurve(s, f) {
    if (readOnly || !onFullCurve || !el.open || !Array.isArray(f.steps) || f.full_curve) return;
    const key = JSON.stringify([s.result_for, s.target]);
    if (asked === key) return;
    asked = key;
    waiting = true;
    onFullCurve({ result_for: s.result_for, target: s.target }, () => {
      if (asked !== key) return;
      waiting = false;
      if (last) update(last);
    });
  }

  el.addEventListener("toggle", () => {
    // Reopened after the kernel declined (it had moved on): ask again.
    if (el.open && !waiting) asked = null;
    if (last) update(last);
  });

  function draw(f, output) {
    const fractions = numbers(f.fractions);
    // the measured steps k when the curves were sampled, else every k = 0..n
    const steps = Array.isArray(f.steps) ? numbers(f.steps) : fractions.map((_, k) => k);
    const scale = plotScale({ ...f, output });
    const full = Number(f.deletion[0]);
    const children = [];
    const [x0, x1] = [scale.x(0), scale.x(1)];
    const [yTop, yBottom] = [TOP, HEIGHT - BOTTOM];
    children.push(svg("line", { class: "sw-faith-axis", x1: x0, y1: yBottom, x2: x1, y2: yBottom }));
    children.push(svg("line", { class: "sw-faith-axis", x1: x0, y1: yTop, x2: x0, y2: yBottom }));
    for (const [value, anchor] of [
      [scale.hi, "hi"],
      [scale.lo, "lo"],
    ]) {
      const text = svg("text", { class: "sw-faith-tick", "data-tick": anchor, x: x0 - 4, y: scale.y(value) + 3 });
      text.setAttribute("text-anchor", "end");
      text.textContent = formatNumber(value);
      children.push(text);
    }
    for (const fraction of [0, 0.5, 1]) {
      const text = svg("text", { class: "sw-faith-tick", x: scale.x(fraction), y: HEIGHT - 8 });
      text.setAttribute("text-anchor", fraction === 0 ? "start" : fraction === 1 ? "end" : "middle");
      text.textContent = fraction === 0.5 ? "tokens removed / kept" : formatPercent(fraction).replace(".0", "");
      children.push(text);
    }
    const reference = svg("line", {
      class: "sw-faith-full",
      x1: x0,
      y1: scale.y(full),
      x2: x1,
      y2: scale.y(full),
      "data-value": plainNumber(full),
    });
    reference.append(svg("title"));
    reference.firstChild.textContent = `Full output ${formatPrecise(full)}`;
    children.push(reference);
    for (const { name } of CURVES) {
      const values = numbers(f[name]);
      children.push(
        svg("polyline", {
          class: `sw-faith-curve sw-curve-${name}`,
          "data-curve": name,
          points: polylinePoints(fractions, values, scale),
          fill: "none",
        }),
      );
      if (fractions.length <= MAX_MARKERS) {
        fractions.forEach((fraction, k) => {
          const dot = svg("circle", {
            class: `sw-faith-dot sw-curve-${name}`,
            cx: scale.x(fraction).toFixed(2),
            cy: scale.y(values[k]).toFixed(2),
            r: 2,
          });
          const tip = svg("title");
          tip.textContent = `${name === "deletion" ? "removed" : "kept"} top ${steps[k]}: ${formatPrecise(values[k])}`;
          dot.append(tip);
          children.push(dot);
        });
      }
    }
    plot.replaceChildren(...children);

    legend.replaceChildren(
      ...CURVES.map(({ name, label, help }) => {
        const aopc = Number(f[`aopc_${name}`]);
        const value = h("span", { class: "sw-faith-aopc", text: formatNumber(aopc), title: formatPrecise(aopc) });
        return h("div", { class: `sw-faith-key sw-curve-${name}`, "data-curve": name, title: help }, [
          h("span", { class: "sw-faith-swatch", "aria-hidden": "true" }),
          h("span", { text: `${label} · AOPC ` }),
          value,
          h("span", { class: "sw-faith-better", text: name === "deletion" ? " ↑" : " ↓" }),
        ]);
      }),
    );

    const levels = numbers(f.levels);
    const row = (name, label, help) =>
      h("tr", { "data-measure": name, title: help }, [
        h("th", { scope: "row", text: label }),
        ...numbers(f[name]).map((value, i) =>
          h("td", {
            "data-level": plainNumber(levels[i]),
            "data-value": plainNumber(value),
            title: formatPrecise(value),
            text: formatNumber(value),
          }),
        ),
      ]);
    table.replaceChildren(
      h("thead", {}, [
        h("tr", {}, [
          h("th", { text: "top" }),
          ...levels.map((q) => h("th", { scope: "col", text: formatPercent(q).replace(".0", "") })),
        ]),
      ]),
      h("tbody", {}, [
        row(
          "comprehensiveness",
          "Comprehensiveness",
          "Full output minus the output without the top tokens (higher is more faithful)",
        ),
        row("sufficiency", "Sufficiency", "Full output minus the output with only the top tokens (lower is more faithful)"),
      ]),
    );
  }

  function update(s) {
    last = s;
    const shown = faithfulnessStatus(s, { readOnly });
    const f = s.faithfulness ?? {};
    el.hidden = shown === "none";
    setAttr(el, "data-status", shown);
    body.hidden = shown !== "ready";
    const label = s.labels[s.target] ?? `class ${s.target}`;
    setText(title, `Faithfulness · ${outputLabel(s.result_for?.output ?? s.output, label, resultVersus(s))}`);
    const messages = {
      ready: `AOPC deletion ${formatNumber(f.aopc_deletion)} ↑ · insertion ${formatNumber(f.aopc_insertion)} ↓`,
      computing: "measuring…",
      error: String(f.error ?? ""),
      unavailable: f.label ? `measured for ${f.label} only` : "not measured",
    };
    setText(status, messages[shown] ?? "");
    status.classList.toggle("sw-faith-error", shown === "error");
    if (shown !== "ready") {
      for (const name of ["target", "aopc-deletion", "aopc-insertion"]) setAttr(el, `data-${name}`, null);
      return;
    }
    setAttr(el, "data-target", s.target);
    setAttr(el, "data-aopc-deletion", plainNumber(f.aopc_deletion));
    setAttr(el, "data-aopc-insertion", plainNumber(f.aopc_insertion));
    setAttr(
      plot,
      "aria-label",
      `Deletion and insertion curves for ${label}: AOPC ${formatNumber(f.aopc_deletion)} and ${formatNumber(f.aopc_insertion)}`,
    );
    askFullCurve(s, f);
    const curves = fullCurve(f) ?? f;
    setText(note, stepsNote(curves, { waiting: waiting && curves === f }));
    setAttr(plot, "data-points", numbers(curves.fractions).length);
    const key = JSON.stringify([curves, s.result_for?.output ?? s.output]);
    if (key !== drawnKey) {
      draw(curves, s.result_for?.output ?? s.output);
      drawnKey = key;
    }
  }

  return { el, update };
}
