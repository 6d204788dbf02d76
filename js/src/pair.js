import { fitHeight, h } from "./dom.js";

// Sentence pairs: a second text box, and the tokens of each text on a row of its own.

/**
 * The box for a pair's second text. Hidden for a widget of one text; shown
 * from the first state that has a second text on.
 */
export function createPairInput({ onSubmit }) {
  const textarea = h("textarea", {
    class: "sw-text sw-text-pair",
    rows: 2,
    spellcheck: "false",
    placeholder: "Second text of the pair",
    "aria-label": "Second text to explain",
  });
  const el = h("div", { class: "sw-input sw-input-pair" }, [textarea]);
  el.hidden = true;
  let synced = null;

  textarea.addEventListener("input", () => fitHeight(textarea));
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onSubmit();
    }
  });

  function update(s) {
    if (s.text_pair) el.hidden = false;
    if (s.text_pair !== synced) {
      textarea.value = s.text_pair;
      synced = s.text_pair;
      fitHeight(textarea);
    }
  }

  return {
    el,
    update,
    /** The second text, or null for a widget of one text. */
    value: () => (el.hidden ? null : textarea.value),
  };
}

/**
 * Where the token at `i` goes: `el` itself for one text, else the row of
 * its segment, made when the segment starts.
 */
export function segmentRow(el, row, tokens, i) {
  const segment = tokens[i]?.segment;
  if (segment == null) return el;
  if (i > 0 && tokens[i - 1]?.segment === segment && row !== el) return row;
  const next = h("div", {
    class: "sw-segment",
    "data-segment": segment,
    role: "group",
    "aria-label": segment === 1 ? "Second text" : "First text",
  });
  el.append(next);
  return next;
}
