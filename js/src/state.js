// The view state: the synced traits plus two local fields, `pending` (an
// intent was sent and the kernel has not answered yet) and `canUndo`.

export const TRAITS = [
  "text",
  "text_pair",
  "tokens",
  "labels",
  "values",
  "errors",
  "base_values",
  "outputs",
  "output",
  "probabilities",
  "probabilities_full",
  "method",
  "method_used",
  "n_evals",
  "max_evals",
  "players",
  "masked",
  "target",
  "versus",
  "result_for",
  "state",
  "progress",
  "error",
  "truncated",
  "faithfulness",
  "mode",
  "interaction_index",
  "focus",
  "pairs",
  "seed",
  "tolerance",
  "comparison",
  "compare_scale",
  "settled",
];

const DEFAULTS = {
  text: "",
  text_pair: "",
  tokens: [],
  labels: [],
  values: [],
  errors: [],
  base_values: [],
  outputs: [],
  output: "probability",
  probabilities: [],
  probabilities_full: [],
  method: "auto",
  method_used: "",
  n_evals: 0,
  max_evals: "auto",
  settled: false,
  players: "token",
  masked: [],
  target: 0,
  versus: -1,
  result_for: {},
  state: "ready",
  progress: 0,
  error: "",
  truncated: false,
  faithfulness: {},
  mode: "attributions",
  interaction_index: "SII",
  focus: -1,
  pairs: {},
  comparison: {},
  compare_scale: "shared",
  pending: false,
  canUndo: false,
};

const ARRAYS = ["tokens", "labels", "values", "errors", "base_values", "outputs", "probabilities", "probabilities_full", "masked"];

export function normalize(raw = {}) {
  const s = { ...DEFAULTS };
  for (const [key, value] of Object.entries(raw)) if (value != null) s[key] = value;
  if (raw.settled === null) s.settled = null; // not known: a stored result from before runs recorded it
  for (const key of ARRAYS) if (!Array.isArray(s[key])) s[key] = [];
  for (const key of ["result_for", "faithfulness", "pairs", "comparison"]) {
    if (typeof s[key] !== "object" || Array.isArray(s[key])) s[key] = {};
  }
  s.masked = sortedMask(s.masked);
  s.target = selectedClass(s.target, s.labels.length);
  s.versus = Number.isInteger(Number(s.versus)) && Number(s.versus) < s.labels.length ? Number(s.versus) : -1;
  return s;
}

export function sortedMask(masked) {
  return [...new Set((masked ?? []).map(Number).filter(Number.isInteger))].sort((a, b) => a - b);
}

export function sameMask(a, b) {
  const x = sortedMask(a);
  const y = sortedMask(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

export function toggled(masked, index) {
  const set = new Set(sortedMask(masked));
  if (set.has(index)) set.delete(index);
  else set.add(index);
  return sortedMask([...set]);
}

export function selectedClass(target, count) {
  const t = Number(target);
  if (!Number.isInteger(t) || count === 0) return 0;
  return Math.min(Math.max(t, 0), count - 1);
}

/** The contrast class a state or a `result_for` names, -1 for none. */
const versusOf = (x) => (x?.versus == null ? -1 : Number(x.versus));

/**
 * Whether a `result_for` names the shown question: its texts, players and
 * mask, the contrast class (`versus`) and, where it records one, the output
 * space. A result, pair matrix or comparison for another question is stale.
 */
export function sameInput(r, s) {
  return (
    r.text === s.text &&
    (r.text_pair ?? "") === (s.text_pair ?? "") &&
    r.players === s.players &&
    sameMask(r.masked, s.masked) &&
    (r.output == null || r.output === s.output) &&
    versusOf(r) === versusOf(s)
  );
}

/** Whether the shown result was computed for the current question. */
export function resultMatches(s) {
  const r = s.result_for ?? {};
  if (Object.keys(r).length === 0) return s.text === "" && s.tokens.length === 0;
  return sameInput(r, s);
}

/**
 * Whether `values` belong to the players shown. The kernel renumbers the
 * players as soon as the text or player kind changes, before it has values
 * for them.
 */
export function valuesFitTokens(s) {
  const r = s.result_for ?? {};
  return (
    s.values.length === s.tokens.length &&
    r.text === s.text &&
    (r.text_pair ?? "") === s.text_pair &&
    r.players === s.players
  );
}

/**
 * The state to show: "computing" also while an intent waits for the kernel,
 * which is the case whenever a "ready" result does not match the input;
 * "refining" while a partial estimate for the input is shown.
 */
export function displayState(s) {
  if (s.pending || s.state === "computing") return "computing";
  if (s.state === "error") return "error";
  if (!resultMatches(s)) return "computing";
  return s.state === "refining" ? "refining" : "ready";
}

export function isStale(s) {
  return displayState(s) === "computing" || !resultMatches(s);
}

/** The output space the shown numbers are in. */
export function resultOutput(s) {
  return s.result_for?.output ?? s.output;
}

/** The label of the class the shown numbers are contrasted with, or null. */
export function resultVersus(s) {
  const v = Number(s.result_for?.versus ?? s.versus);
  return Number.isInteger(v) && v >= 0 && v < s.labels.length ? String(s.labels[v]) : null;
}
