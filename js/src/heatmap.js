import { h, setAttr } from "./dom.js";
import { GAMMA, backgroundOf, colorFor, isMissing, robustMax, valueAt } from "./scale.js";
import { formatPrecise, plainNumber } from "./format.js";
import { segmentRow } from "./pair.js";
import { setTokenText, setVisibleText, tokenLabel } from "./text_safety.js";
import { errorAt, errorSuffix, markToken } from "./uncertainty.js";

const NAV_KEYS = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 };

/** The input as a row of coloured tokens, clickable unless `readOnly`. */
export function createHeatmap({ onToggle, readOnly = false }) {
  const el = h("div", {
    class: "sw-heatmap",
    role: "group",
    "aria-label": readOnly ? "Tokens" : "Tokens; press a token to mask it",
    "aria-disabled": readOnly ? "true" : null,
  });
  let tokenEls = [];
  let tokensKey = null;

  const indexOf = (target) => {
    const token = target instanceof Element ? target.closest(".sw-token") : null;
    return token && el.contains(token) ? Number(token.dataset.index) : null;
  };

  el.addEventListener("click", (event) => {
    const i = indexOf(event.target);
    if (i != null) onToggle(i);
  });

  el.addEventListener("keydown", (event) => {
    const i = indexOf(event.target);
    if (i == null) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onToggle(i);
    } else if (event.key in NAV_KEYS || event.key === "Home" || event.key === "End") {
      event.preventDefault();
      let next = i + (NAV_KEYS[event.key] ?? 0);
      if (event.key === "Home") next = 0;
      if (event.key === "End") next = tokenEls.length - 1;
      tokenEls[Math.max(0, Math.min(tokenEls.length - 1, next))]?.focus();
    }
  });

  function rebuild(tokens) {
    const focused = indexOf(document.activeElement);
    el.replaceChildren();
    let row = el;
    let word = null;
    tokenEls = tokens.map((token, i) => {
      const next = segmentRow(el, row, tokens, i);
      if (next !== row) word = null;
      row = next;
      const prefix = String(token?.prefix ?? "");
      if (prefix) row.append(setVisibleText(h("span", { class: "sw-prefix" }), prefix, { keepLayout: true }));
      const span = setTokenText(h("span", { class: "sw-token", role: "button", tabindex: 0, "data-index": i }),
        token?.text);
      // The pieces of one word ("pr" "ice" "d") sit together as one visual word, each its own chip.
      const after = tokens[i + 1];
      const nextJoins = Boolean(after?.joined) && !String(after?.prefix ?? "") && after?.segment === token?.segment;
      if (token?.joined && !prefix && word) {
        word.append(span);
      } else if (nextJoins) {
        word = h("span", { class: "sw-word" }, [span]);
        row.append(word);
      } else {
        row.append(span);
      }
      if (!nextJoins) word = null;
      return span;
    });
    if (tokens.length === 0) {
      el.append(h("span", { class: "sw-empty", text: "Enter a text above and press Explain." }));
    }
    if (focused != null) tokenEls[Math.min(focused, tokenEls.length - 1)]?.focus();
  }

  /**
   * Draws state `s`; `scale` is the maximum of the colour scale (the widest |value| when not given) and
   * `background` the page colour the chips are mixed into (read from the page when not given).
   */
  function update(s, { scale = null, background = null } = {}) {
    const key = JSON.stringify(s.tokens.map((t) => [t?.prefix ?? "", t?.text ?? "", Boolean(t?.joined)]));
    if (key !== tokensKey) {
      rebuild(s.tokens);
      tokensKey = key;
    }
    const masked = new Set(s.masked);
    const classIndex = s.target;
    const label = s.labels[classIndex] ?? `class ${classIndex}`;
    const max = scale ?? robustMax(s.values, classIndex, s.masked);
    const page = background ?? backgroundOf(el);

    tokenEls.forEach((span, i) => {
      const value = valueAt(s.values, i, classIndex);
      const missing = isMissing(s.values, i, classIndex);
      const isMasked = masked.has(i);
      const color = colorFor(isMasked ? 0 : value, max, { background: page, gamma: GAMMA });
      const shown = tokenLabel(s.tokens[i]?.text ?? "");
      const se = isMasked || missing ? null : errorAt(s.errors, i, classIndex);
      const number = missing ? "no value (missing)" : formatPrecise(value) + errorSuffix(se);

      setAttr(span, "data-masked", isMasked ? "true" : "false");
      setAttr(span, "aria-pressed", isMasked ? "true" : "false");
      setAttr(span, "data-value", missing ? null : plainNumber(value));
      setAttr(span, "data-missing", missing ? "true" : null);
      span.classList.toggle("sw-missing", missing);
      setAttr(span, "aria-label", `${shown}: ${number}`);
      setAttr(
        span,
        "title",
        `${shown}: ${number} for ${label}` +
          (readOnly ? (isMasked ? "\nMasked" : "") : `\n${isMasked ? "Masked. Click to restore" : "Click to mask"}`),
      );
      span.classList.toggle("sw-masked", isMasked);
      markToken(span, value, se, isMasked, color.intensity);
      span.classList.toggle("sw-strong", color.lightText);
      setAttr(span, "data-strength", color.intensity ? color.intensity.toFixed(3) : "0");
      span.style.backgroundColor = color.background === "transparent" ? "" : color.background;
      span.style.color = color.background === "transparent" ? "" : color.text;
    });
  }

  return { el, update };
}
