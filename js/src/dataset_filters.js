import { h, setAttr, setText } from "./dom.js";
import { hasFilter } from "./dataset_state.js";

function setClassOptions(select, anyLabel, labels) {
  const key = JSON.stringify([anyLabel, labels]);
  if (select.dataset.options === key) return;
  select.dataset.options = key;
  select.replaceChildren(
    h("option", { value: "-1", text: anyLabel }),
    ...labels.map((label, i) => h("option", { value: String(i), text: String(label) })),
  );
}

/** Filter controls: misclassified only, predicted class, true class, a token, and the row count. */
export function createFilters({ onFilter }) {
  const misclassified = h("input", { type: "checkbox", class: "sw-filter-misclassified" });
  misclassified.addEventListener("change", () => onFilter({ filter_misclassified: misclassified.checked }));
  const misclassifiedField = h("label", { class: "sw-field sw-check" }, [misclassified, "Misclassified only"]);

  const predicted = h("select", { class: "sw-filter-predicted", "aria-label": "Predicted class" });
  predicted.addEventListener("change", () => onFilter({ filter_predicted: Number(predicted.value) }));
  const label = h("select", { class: "sw-filter-label", "aria-label": "True label" });
  label.addEventListener("change", () => onFilter({ filter_label: Number(label.value) }));

  const token = h("input", {
    type: "search",
    class: "sw-filter-token",
    placeholder: "Contains token…",
    "aria-label": "Only examples that contain this token",
    spellcheck: "false",
    autocomplete: "off",
  });
  token.addEventListener("input", () => onFilter({ filter_token: token.value }));

  const clear = h("button", { type: "button", class: "sw-filter-clear", text: "Clear filters" });
  clear.addEventListener("click", () =>
    onFilter({ filter_misclassified: false, filter_predicted: -1, filter_label: -1, filter_token: "" }),
  );
  const count = h("span", { class: "sw-count", "aria-live": "polite" });

  const el = h("div", { class: "sw-filters", role: "group", "aria-label": "Filters" }, [
    misclassifiedField,
    predicted,
    label,
    token,
    clear,
    count,
  ]);
  let syncedToken = null;

  function update(s) {
    misclassified.checked = Boolean(s.filter_misclassified);
    misclassified.disabled = !s.has_labels;
    misclassifiedField.hidden = !s.has_labels;
    setClassOptions(predicted, "Any prediction", s.labels);
    predicted.value = String(s.filter_predicted);
    setClassOptions(label, "Any label", s.labels);
    label.value = String(s.filter_label);
    label.hidden = !s.has_labels;
    if (s.filter_token !== syncedToken) {
      if (token.value !== s.filter_token) token.value = s.filter_token;
      syncedToken = s.filter_token;
    }
    clear.disabled = !hasFilter(s);
    const n = s.visible.length;
    setText(count, `${n} of ${s.rows.length} example${s.rows.length === 1 ? "" : "s"}`);
    setAttr(count, "data-count", n);
  }

  return { el, update };
}
