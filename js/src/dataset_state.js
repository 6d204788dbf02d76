// The dataset view's state: the synced traits of DatasetTable, with defaults,
// and the rules for sorting by a column header.

export const TRAITS = [
  "labels",
  "players",
  "has_labels",
  "rows",
  "visible",
  "sort_by",
  "sort_descending",
  "filter_misclassified",
  "filter_predicted",
  "filter_label",
  "filter_token",
  "selected",
  "versus",
  "global_target",
  "global_min_count",
  "global_top",
  "global_tokens",
  "state",
  "progress",
  "n_explained",
  "error",
  "methods",
  "method_rows",
];

const DEFAULTS = {
  labels: [],
  players: "token",
  has_labels: false,
  rows: [],
  visible: [],
  sort_by: "index",
  sort_descending: false,
  filter_misclassified: false,
  filter_predicted: -1,
  filter_label: -1,
  filter_token: "",
  selected: -1,
  versus: -1,
  global_target: 0,
  global_min_count: 1,
  global_top: 30,
  global_tokens: [],
  state: "ready",
  progress: 0,
  n_explained: 0,
  error: "",
  methods: [],
  method_rows: {},
};

const ARRAYS = ["labels", "rows", "visible", "global_tokens", "methods"];

/**
 * Columns of the table. `descFirst`: the first click on the header sorts
 * from high to low (losses and probabilities are most telling at the top).
 * Ascending on `correct` puts misclassified rows first. `needsMethods`: shown
 * only for a run with other methods beside SHAP.
 */
export const COLUMNS = [
  { key: "index", label: "#", title: "Row", descFirst: false, numeric: true },
  { key: "text", label: "Text", title: "Text", descFirst: false },
  { key: "label", label: "Label", title: "True label", descFirst: false, needsLabels: true },
  { key: "predicted", label: "Predicted", title: "Predicted class", descFirst: false },
  { key: "probability", label: "Prob.", title: "Probability of the predicted class", descFirst: true, numeric: true },
  { key: "loss", label: "Loss", title: "Cross-entropy of the true label", descFirst: true, numeric: true, needsLabels: true },
  {
    key: "correct",
    label: "OK",
    title: "Whether the prediction equals the label (ascending: misclassified first)",
    descFirst: false,
    needsLabels: true,
  },
  {
    key: "disagreement",
    label: "Disagree.",
    title: "How far the other methods' rankings of the tokens depart from SHAP's (mean 1 − Kendall τ; 0 same order, 2 reversed)",
    descFirst: true,
    numeric: true,
    needsMethods: true,
  },
];

export function normalize(raw = {}) {
  const s = { ...DEFAULTS };
  for (const [key, value] of Object.entries(raw)) if (value != null) s[key] = value;
  for (const key of ARRAYS) if (!Array.isArray(s[key])) s[key] = [];
  s.visible = s.visible.map(Number).filter((i) => Number.isInteger(i) && i >= 0 && i < s.rows.length);
  s.selected = Number.isInteger(Number(s.selected)) ? Number(s.selected) : -1;
  s.versus = Number.isInteger(Number(s.versus)) && Number(s.versus) < s.labels.length ? Number(s.versus) : -1;
  return s;
}

/** The sort after a click on column `key`: the same column flips, another starts in its natural direction. */
export function nextSort(s, key) {
  if (s.sort_by === key) return { sort_by: key, sort_descending: !s.sort_descending };
  const column = COLUMNS.find((c) => c.key === key);
  return { sort_by: key, sort_descending: Boolean(column?.descFirst) };
}

/** Whether any filter narrows the table. */
export function hasFilter(s) {
  return Boolean(s.filter_misclassified || s.filter_predicted >= 0 || s.filter_label >= 0 || String(s.filter_token).trim());
}

/** Token filter match as the kernel applies it: equal, ignoring case and surrounding space. */
export function sameToken(a, b) {
  return String(a ?? "").trim().toLowerCase() === String(b ?? "").trim().toLowerCase();
}

export function className(s, index) {
  if (index == null || index < 0) return "";
  return String(s.labels[index] ?? `class ${index}`);
}

/** Whether the values contrast every class with one versus class. */
export function isContrast(s) {
  return s.versus >= 0;
}

/** What a class's values explain: the class, or "<class> vs <versus class>" in a contrastive run. */
export function contrastName(s, index) {
  const name = className(s, index);
  return isContrast(s) && name ? `${name} vs ${className(s, s.versus)}` : name;
}
