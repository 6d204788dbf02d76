// "vs": the class the selected one is contrasted with ("why negative rather than positive?"). None by
// default; for a two-class model the other class is one click away.
import { h, setAttr } from "./dom.js";

/**
 * The vs selector next to Class: none, or another class. A two-class model gets one toggle button instead
 * ("vs positive"), so the contrast is one click away.
 */
export function createVersusSelect({ onSelect }) {
  const select = h("select", { class: "sw-versus", "aria-label": "Contrast with class" });
  select.addEventListener("change", () => onSelect(Number(select.value)));
  const toggle = h("button", { class: "sw-versus-toggle", type: "button", "aria-pressed": "false" });
  toggle.addEventListener("click", () =>
    onSelect(toggle.getAttribute("aria-pressed") === "true" ? -1 : Number(toggle.dataset.other)),
  );
  const el = h("label", { class: "sw-field sw-versus-field" }, [
    h("span", { class: "sw-field-label", text: "vs" }),
    select,
    toggle,
  ]);
  setAttr(
    el,
    "title",
    "Explain why the class rather than this one: each value is the token's share of log P(class) − log P(this class)",
  );
  let key = null;

  function update(s) {
    const options = [["-1", "none"], ...s.labels.map((label, i) => [String(i), String(label)])];
    const next = JSON.stringify([options, s.target]);
    if (next !== key) {
      key = next;
      select.replaceChildren(
        ...options.map(([value, label]) =>
          h("option", { value, text: label, disabled: Number(value) === s.target && s.labels.length > 1 }),
        ),
      );
    }
    el.hidden = s.labels.length < 2;
    const value = String(s.versus >= 0 && s.versus < s.labels.length ? s.versus : -1);
    if (select.value !== value) select.value = value;
    const two = s.labels.length === 2;
    select.hidden = two;
    toggle.hidden = !two;
    if (two) {
      const other = 1 - s.target;
      toggle.dataset.other = String(other);
      toggle.textContent = String(s.labels[other]);
      setAttr(toggle, "aria-pressed", value === String(other) ? "true" : "false");
      setAttr(toggle, "aria-label", `Contrast with ${s.labels[other]}`);
    }
    setAttr(el, "data-versus", value);
  }

  return { el, update, select, toggle };
}
