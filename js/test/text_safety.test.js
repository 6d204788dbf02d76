import { afterEach, describe, expect, it } from "vitest";
import { isMissing } from "../src/scale.js";
import {
  codePoint,
  isInvisible,
  setTokenText,
  setVisibleText,
  tokenLabel,
  visibleParts,
  visibleString,
} from "../src/text_safety.js";
import { renderView as render, sampleState, unmountViews } from "./fixtures.js";

afterEach(unmountViews);

const RLO = "\u202E";
const ZWSP = "\u200B";

describe("visible text", () => {
  it("writes bidi controls and zero-width characters as their code points", () => {
    expect(codePoint(RLO)).toBe("U+202E");
    expect(visibleString(`a${RLO}b${ZWSP}`)).toBe("a⟨U+202E⟩b⟨U+200B⟩");
    expect(visibleString("\u2067x\u2069\uFEFF\u00AD\u0007")).toBe("⟨U+2067⟩x⟨U+2069⟩⟨U+FEFF⟩⟨U+00AD⟩⟨U+0007⟩");
  });

  it("leaves ordinary text, right-to-left letters and emoji untouched", () => {
    for (const text of ["great", "שלום", "مرحبا", "naïve café", "👍🏽", "a b"]) {
      expect(visibleParts(text)).toEqual([{ text }]);
    }
  });

  it("keeps tabs and line breaks as layout only where asked", () => {
    expect(isInvisible("\n")).toBe(true);
    expect(isInvisible("\n", { keepLayout: true })).toBe(false);
    expect(visibleString(` \n${RLO}`, { keepLayout: true })).toBe(" \n⟨U+202E⟩");
  });

  it("marks each invisible character with its code and name, and removes the character itself", () => {
    const el = setVisibleText(document.createElement("span"), `no${RLO}w`);
    const mark = el.querySelector(".sw-invisible");
    expect(el.textContent).toBe("no⟨U+202E⟩w");
    expect(el.textContent.includes(RLO)).toBe(false);
    expect(mark.dataset.code).toBe("U+202E");
    expect(mark.title).toBe("U+202E right-to-left override");
  });

  it("draws a token with no characters of its own as a dotted circle, never a blank chip", () => {
    const el = setTokenText(document.createElement("span"), "");
    expect(el.textContent).toBe("◌");
    expect(el.querySelector(".sw-invisible").title).toContain("no characters of its own");
    expect(setTokenText(document.createElement("span"), "ok").textContent).toBe("ok");
  });

  it("quotes a token that is only whitespace, so its tooltip is never empty", () => {
    expect(tokenLabel(" ")).toBe('" "');
    expect(tokenLabel(ZWSP)).toBe("⟨U+200B⟩");
  });
});

describe("hostile text in the heatmap", () => {
  const hostile = () =>
    sampleState({
      tokens: [
        { text: "The", prefix: "" },
        { text: "movie", prefix: ` ${RLO}` },
        { text: ZWSP, prefix: " " },
        { text: "great", prefix: " " },
        { text: "!", prefix: "" },
      ],
    });

  it("shows a zero-width token as a visible mark, not an empty chip", () => {
    const { root } = render(hostile());
    const chip = root.querySelectorAll(".sw-token")[2];
    expect(chip.textContent).toBe("⟨U+200B⟩");
    expect(chip.getAttribute("aria-label")).toBe("⟨U+200B⟩: -0.1");
  });

  it("puts each prefix in an isolated span with its override shown, none left in the text", () => {
    const { root } = render(hostile());
    const heatmap = root.querySelector(".sw-heatmap");
    const prefixes = [...heatmap.querySelectorAll(".sw-prefix")].map((p) => p.textContent);
    expect(prefixes).toEqual([" ⟨U+202E⟩", " ", " "]);
    expect(heatmap.textContent.includes(RLO) || heatmap.textContent.includes(ZWSP)).toBe(false);
    expect([...heatmap.childNodes].every((n) => n.nodeType === Node.ELEMENT_NODE)).toBe(true);
  });

  it("shows a missing (null, NaN or infinite) value as missing, never as 0", () => {
    const values = sampleState().values.map((row) => [...row]);
    values[1][2] = null;
    values[2][2] = NaN;
    values[4][2] = Infinity;
    const { root } = render(sampleState({ values }));
    const els = [...root.querySelectorAll(".sw-token")];
    expect(els.map((t) => t.dataset.missing ?? null)).toEqual([null, "true", "true", null, "true"]);
    expect(els.map((t) => t.dataset.value ?? null)).toEqual(["-0.01", null, null, "0.4", null]);
    expect(els[1].classList.contains("sw-missing")).toBe(true);
    expect(els[1].getAttribute("aria-label")).toBe("movie: no value (missing)");
    expect(els[3].dataset.strength).toBe("1.000"); // the scale ignores the missing ones
  });
});

describe("missing values", () => {
  it("are those of a present row without a finite number, not of a row not computed yet", () => {
    expect(isMissing([[1, null]], 0, 1)).toBe(true);
    expect(isMissing([[1, "NaN"]], 0, 1)).toBe(true);
    expect(isMissing([[1, 2]], 0, 1)).toBe(false);
    expect(isMissing([], 0, 1)).toBe(false);
    expect(isMissing([[]], 0, 1)).toBe(false);
  });
});
