// Text from the internet drawn as it is: characters that are invisible or
// that reorder text (bidi overrides and isolates, zero-width and other format
// characters, control codes) are shown as visible marks such as ⟨U+202E⟩, so
// a chip is never blank and an override cannot rearrange the heatmap. Each
// token and prefix is also bidi-isolated in CSS (`unicode-bidi: isolate`).
import { h } from "./dom.js";

// Control (Cc), format (Cf: bidi controls, zero-width characters, soft
// hyphen, BOM), line and paragraph separators, and the Hangul fillers, which
// render as nothing.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]/u;
// Line breaks and tabs between tokens are layout, not content.
const LAYOUT = new Set(["\t", "\n", "\r"]);

const NAMES = {
  "\u00AD": "soft hyphen",
  "\u061C": "Arabic letter mark",
  "\u200B": "zero-width space",
  "\u200C": "zero-width non-joiner",
  "\u200D": "zero-width joiner",
  "\u200E": "left-to-right mark",
  "\u200F": "right-to-left mark",
  "\u202A": "left-to-right embedding",
  "\u202B": "right-to-left embedding",
  "\u202C": "pop directional formatting",
  "\u202D": "left-to-right override",
  "\u202E": "right-to-left override",
  "\u2060": "word joiner",
  "\u2066": "left-to-right isolate",
  "\u2067": "right-to-left isolate",
  "\u2068": "first strong isolate",
  "\u2069": "pop directional isolate",
  "\uFEFF": "zero-width no-break space",
};

/** "U+202E" for a character. */
export function codePoint(ch) {
  return "U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
}

/** Whether `ch` draws nothing or changes how the text around it is ordered. */
export function isInvisible(ch, { keepLayout = false } = {}) {
  return INVISIBLE.test(ch) && !(keepLayout && LAYOUT.has(ch));
}

/**
 * `text` as runs: plain text, and each invisible character on its own with
 * its visible form. `keepLayout` leaves tabs and line breaks as they are.
 */
export function visibleParts(text, options = {}) {
  const parts = [];
  let plain = "";
  for (const ch of String(text ?? "")) {
    if (!isInvisible(ch, options)) {
      plain += ch;
      continue;
    }
    if (plain) parts.push({ text: plain });
    plain = "";
    const code = codePoint(ch);
    parts.push({ text: `⟨${code}⟩`, code, name: NAMES[ch] ?? "invisible character" });
  }
  if (plain) parts.push({ text: plain });
  return parts;
}

/** `text` for a title or label: every invisible character written as ⟨U+XXXX⟩. */
export function visibleString(text, options = {}) {
  return visibleParts(text, options)
    .map((p) => p.text)
    .join("");
}

/**
 * How a token reads in a tooltip: its visible form, or in quotes when it is
 * only whitespace (which would read as nothing).
 */
export function tokenLabel(text) {
  const s = visibleString(text);
  return s.trim() === "" ? JSON.stringify(s) : s;
}

/**
 * Fills `el` with `text`, each invisible character as a marked span
 * (class `sw-invisible`, titled with its code point and name).
 */
export function setVisibleText(el, text, options = {}) {
  el.replaceChildren(
    ...visibleParts(text, options).map((p) =>
      p.code
        ? h("span", { class: "sw-invisible", "data-code": p.code, title: `${p.code} ${p.name}`, text: p.text })
        : p.text,
    ),
  );
  return el;
}

/**
 * Fills a token chip: its visible text, or for a token with no characters of
 * its own (a byte of a character that byte-level BPE split over several
 * tokens) a dotted circle, so no chip carrying a value is blank.
 */
export function setTokenText(el, text) {
  if (String(text ?? "") !== "") return setVisibleText(el, text);
  const title = "no characters of its own (part of a character split over several tokens)";
  el.replaceChildren(h("span", { class: "sw-invisible", "data-code": "", title, text: "◌" }));
  return el;
}
