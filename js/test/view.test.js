import { afterEach, describe, expect, it, vi } from "vitest";
import { NEGATIVE_RGB, POSITIVE_RGB, mix } from "../src/scale.js";
import { TEXT, renderView as render, sampleState, unmountViews } from "./fixtures.js";

afterEach(unmountViews);

const tokens = (root) => [...root.querySelectorAll(".sw-token")];
const alpha = (el) => {
  const m = el.style.backgroundColor.match(/rgba?\(([^)]+)\)/);
  return m ? m[1].split(",").map(Number) : null;
};

describe("tokens", () => {
  it("renders one focusable button per player with index, mask and value", () => {
    const { root } = render(sampleState());
    const els = tokens(root);
    expect(els).toHaveLength(5);
    expect(els.map((t) => t.dataset.index)).toEqual(["0", "1", "2", "3", "4"]);
    expect(els.map((t) => t.dataset.masked)).toEqual(["false", "false", "false", "false", "false"]);
    expect(els.map((t) => t.dataset.value)).toEqual(["-0.01", "0.05", "-0.1", "0.4", "0.025"]);
    for (const t of els) {
      expect(t.getAttribute("role")).toBe("button");
      expect(t.getAttribute("tabindex")).toBe("0");
      expect(t.getAttribute("aria-pressed")).toBe("false");
    }
    expect(els[3].getAttribute("aria-label")).toBe("great: +0.4");
    expect(els[3].title).toContain("+0.4 for positive");
  });

  it("reproduces the input text from prefixes and token texts", () => {
    const { root } = render(sampleState());
    expect(root.querySelector(".sw-heatmap").textContent).toBe(TEXT);
  });

  it("colours by the selected class, scaled to its largest |value| with the strength curve", () => {
    const { root } = render(sampleState());
    const els = tokens(root);
    expect(alpha(els[3])).toEqual(POSITIVE_RGB);
    expect(alpha(els[2])).toEqual(mix(NEGATIVE_RGB, 0.063)); // (0.1 / 0.4) ** 2
    expect(els[2].dataset.strength).toBe("0.063");
    expect(els[3].classList.contains("sw-strong")).toBe(true);
    expect(els[3].style.color).toBe("rgb(255, 255, 255)");
    expect(els[2].classList.contains("sw-strong")).toBe(false);
    expect(els[2].style.color).toBe("rgb(0, 0, 0)");
  });

  it("switches values when another class is selected", () => {
    const { root, view } = render(sampleState());
    view.update(sampleState({ target: 0 }));
    const els = tokens(root);
    expect(els.map((t) => t.dataset.value)).toEqual(["0.01", "-0.02", "0.03", "-0.3", "0"]);
    expect(alpha(els[3])).toEqual(NEGATIVE_RGB);
    expect(els[4].style.backgroundColor).toBe("");
  });

  it("shows masked tokens as masked, without colour, and rescales to the rest", () => {
    const masked = [3];
    const values = sampleState().values.map((row, i) => (i === 3 ? [0, 0, 0] : row));
    const { root } = render(
      sampleState({ masked, values, result_for: { ...sampleState().result_for, masked } }),
    );
    const els = tokens(root);
    expect(els[3].dataset.masked).toBe("true");
    expect(els[3].getAttribute("aria-pressed")).toBe("true");
    expect(els[3].classList.contains("sw-masked")).toBe(true);
    expect(els[3].style.backgroundColor).toBe("");
    expect(els[3].dataset.value).toBe("0");
    expect(alpha(els[2])).toEqual(NEGATIVE_RGB);
    expect(root.querySelector(".sw-heatmap").classList.contains("sw-stale")).toBe(false);
    expect(root.dataset.state).toBe("ready");
  });

  it("keeps the token elements when only the values change", () => {
    const { root, view } = render(sampleState());
    const before = tokens(root);
    view.update(sampleState({ values: sampleState().values.map((r) => r.map((v) => v / 2)) }));
    expect(tokens(root)).toEqual(before);
    expect(before[3].dataset.value).toBe("0.2");
  });

  it("shows a placeholder when there are no tokens", () => {
    const { root } = render({ labels: ["a", "b"] });
    expect(tokens(root)).toHaveLength(0);
    expect(root.querySelector(".sw-empty").textContent).toMatch(/Explain/);
    expect(root.querySelector(".sw-legend-group").hidden).toBe(true);
    expect(root.dataset.state).toBe("ready");
  });
});

describe("legend", () => {
  it("shows -max, 0 and +max of the selected class", () => {
    const { root, view } = render(sampleState());
    const legend = root.querySelector(".sw-legend");
    const ticks = () => [...legend.querySelectorAll(".sw-legend-tick")].map((t) => t.textContent);
    expect(ticks()).toEqual(["−0.400", "0", "+0.400"]);
    expect(legend.dataset.max).toBe("0.4");
    expect(legend.dataset.min).toBe("-0.4");

    view.update(sampleState({ target: 1 }));
    expect(ticks()).toEqual(["−0.050", "0", "+0.050"]);
  });

  it("leaves masked players out of the scale", () => {
    const { root } = render(sampleState({ masked: [3] }));
    expect(root.querySelector(".sw-legend").dataset.max).toBe("0.1");
  });

  it("handles all-zero attributions", () => {
    const values = sampleState().values.map((row) => row.map(() => 0));
    const { root } = render(sampleState({ values }));
    const legend = root.querySelector(".sw-legend");
    expect(legend.dataset.max).toBe("0");
    expect(legend.classList.contains("sw-legend-flat")).toBe(true);
    expect([...legend.querySelectorAll(".sw-legend-tick")].map((t) => t.textContent)).toEqual(["0", "0", "0"]);
    expect(tokens(root).every((t) => t.style.backgroundColor === "")).toBe(true);
  });
});

describe("staleness", () => {
  it("marks the heatmap stale and the widget computing when the mask has no result yet", () => {
    const { root } = render(sampleState({ masked: [1] }));
    const heatmap = root.querySelector(".sw-heatmap");
    expect(heatmap.classList.contains("sw-stale")).toBe(true);
    expect(root.dataset.stale).toBe("true");
    expect(root.dataset.state).toBe("computing");
    expect(tokens(root)[1].dataset.masked).toBe("true");
    expect(tokens(root)[1].dataset.value).toBe("0.05");
  });

  it("is stale when the text or players differ from the result", () => {
    expect(render(sampleState({ text: "Another text" })).root.dataset.stale).toBe("true");
    expect(render(sampleState({ players: "word" })).root.dataset.stale).toBe("true");
    expect(render(sampleState({ output: "logit" })).root.dataset.stale).toBe("true");
  });

  it("does not colour new players with the values of an earlier text", () => {
    const { root } = render(
      sampleState({ text: "Great fun", tokens: [{ text: "Great", prefix: "" }, { text: "fun", prefix: " " }] }),
    );
    const els = tokens(root);
    expect(els.map((t) => t.dataset.value)).toEqual(["0", "0"]);
    expect(els.every((t) => t.style.backgroundColor === "")).toBe(true);
    expect(root.querySelector(".sw-legend").dataset.max).toBe("0");
    expect(root.dataset.stale).toBe("true");
  });

  it("is fresh only when the result matches and nothing is computing", () => {
    const { root, view } = render(sampleState());
    expect(root.dataset.stale).toBe("false");
    expect(root.querySelector(".sw-heatmap").classList.contains("sw-stale")).toBe(false);
    view.update(sampleState({ pending: true }));
    expect(root.dataset.state).toBe("computing");
    expect(root.dataset.stale).toBe("true");
  });

  it("shows progress while computing and keeps the old heatmap", () => {
    const { root } = render(sampleState({ state: "computing", progress: 0.4 }));
    const progress = root.querySelector(".sw-progress");
    expect(root.dataset.state).toBe("computing");
    expect(progress.hidden).toBe(false);
    expect(progress.dataset.progress).toBe("0.4");
    expect(progress.getAttribute("aria-valuenow")).toBe("40");
    expect(progress.textContent).toContain("40%");
    expect(progress.querySelector(".sw-progress-fill").style.width).toBe("40.0%");
    expect(tokens(root)).toHaveLength(5);
    expect(root.querySelector(".sw-heatmap").classList.contains("sw-stale")).toBe(true);
    expect(root.querySelector(".sw-summary").classList.contains("sw-stale")).toBe(true);
  });

  it("hides progress when ready", () => {
    const { root } = render(sampleState());
    expect(root.querySelector(".sw-progress").hidden).toBe(true);
  });
});

describe("errors", () => {
  it("shows the message in an alert and keeps the tokens usable", () => {
    const onToggle = vi.fn();
    const { root } = render(sampleState({ state: "error", error: "ValueError: boom" }), { onToggle });
    const box = root.querySelector(".sw-error");
    expect(root.dataset.state).toBe("error");
    expect(box.getAttribute("role")).toBe("alert");
    expect(box.hidden).toBe(false);
    expect(box.textContent).toBe("ValueError: boom");
    tokens(root)[2].click();
    expect(onToggle).toHaveBeenCalledWith(2);
  });

  it("hides the error box otherwise", () => {
    const { root, view } = render(sampleState({ state: "error", error: "x" }));
    view.update(sampleState());
    expect(root.querySelector(".sw-error").hidden).toBe(true);
    expect(root.querySelector(".sw-error").textContent).toBe("");
  });
});

describe("additive line", () => {
  it("shows base + sum of contributions = output for the selected class", () => {
    const { root, view } = render(sampleState());
    const line = root.querySelector(".sw-additive");
    expect(line.textContent).toBe("base 0.400 + Σ 0.365 = 0.765 P(positive)");
    expect(Number(line.dataset.base)).toBe(0.4);
    expect(Number(line.dataset.sum)).toBeCloseTo(0.365, 12);
    expect(Number(line.dataset.output)).toBe(0.765);

    view.update(sampleState({ target: 0 }));
    expect(line.textContent).toBe("base 0.300 + Σ -0.280 = 0.020 P(negative)");
  });

  it("names the output space of the result", () => {
    const r = { ...sampleState().result_for, output: "logit" };
    const { root } = render(sampleState({ output: "logit", result_for: r }));
    expect(root.querySelector(".sw-additive .sw-out-label").textContent).toBe("logit(positive)");
  });
});

describe("probabilities", () => {
  it("draws one bar per class", () => {
    const { root } = render(sampleState());
    const rows = [...root.querySelectorAll(".sw-prob")];
    expect(rows.map((r) => r.dataset.class)).toEqual(["0", "1", "2"]);
    expect(rows[2].querySelector(".sw-prob-fill").style.width).toBe("73.00%");
    expect(rows[2].querySelector(".sw-prob-value").textContent).toBe("73.0%");
    expect(rows[2].classList.contains("sw-selected")).toBe(true);
    expect(rows[0].classList.contains("sw-selected")).toBe(false);
    expect(rows[2].querySelector(".sw-prob-full").hidden).toBe(true);
  });

  it("shows before and after when tokens are masked", () => {
    const masked = [3];
    const { root } = render(
      sampleState({
        masked,
        probabilities: [0.3, 0.3, 0.4],
        result_for: { ...sampleState().result_for, masked },
      }),
    );
    const row = root.querySelector('.sw-prob[data-class="2"]');
    expect(row.querySelector(".sw-prob-value").textContent).toBe("73.0% → 40.0%");
    expect(row.querySelector(".sw-prob-fill").style.width).toBe("40.00%");
    expect(row.querySelector(".sw-prob-full").style.width).toBe("73.00%");
    expect(row.querySelector(".sw-prob-full").hidden).toBe(false);
    expect(row.dataset.p).toBe("0.4");
    expect(row.dataset.pFull).toBe("0.73");
  });

  it("selects a class when its bar is clicked", () => {
    const onTarget = vi.fn();
    const { root } = render(sampleState(), { onTarget });
    root.querySelector('.sw-prob[data-class="0"]').click();
    expect(onTarget).toHaveBeenCalledWith(0);
  });
});

describe("controls and details", () => {
  it("reflects the intents", () => {
    const { root } = render(sampleState({ method: "permutation", max_evals: 300, players: "word", output: "logit" }));
    expect(root.querySelector("select.sw-method").value).toBe("permutation");
    expect(root.querySelector("input.sw-max-evals").value).toBe("300");
    expect(root.querySelector("select.sw-output").value).toBe("logit");
    const pressed = [...root.querySelectorAll(".sw-players button")].map((b) => [b.dataset.players, b.getAttribute("aria-pressed")]);
    expect(pressed).toEqual([
      ["token", "false"],
      ["word", "true"],
    ]);
    expect(root.querySelector("textarea.sw-text").value).toBe(TEXT);
  });

  it("lists the classes in the class selector", () => {
    const onTarget = vi.fn();
    const { root } = render(sampleState(), { onTarget });
    const select = root.querySelector("select.sw-target");
    expect([...select.options].map((o) => o.textContent)).toEqual(["negative", "neutral", "positive"]);
    expect(select.value).toBe("2");
    select.value = "1";
    select.dispatchEvent(new Event("change"));
    expect(onTarget).toHaveBeenCalledWith(1);
  });

  it("shows the method used, the number of evaluations and truncation", () => {
    const { root, view } = render(sampleState({ n_evals: 1234 }));
    expect(root.querySelector(".sw-method-used").textContent).toBe("exact");
    expect(root.querySelector(".sw-n-evals").textContent).toBe("1,234 evaluations");
    expect(root.querySelector(".sw-truncated").hidden).toBe(true);
    view.update(sampleState({ truncated: true }));
    expect(root.querySelector(".sw-truncated").hidden).toBe(false);
  });

  it("enables Undo and Reset only when they can act", () => {
    const { root, view } = render(sampleState());
    expect(root.querySelector("button.sw-undo").disabled).toBe(true);
    expect(root.querySelector("button.sw-reset").disabled).toBe(true);
    view.update(sampleState({ masked: [1], canUndo: true }));
    expect(root.querySelector("button.sw-undo").disabled).toBe(false);
    expect(root.querySelector("button.sw-reset").disabled).toBe(false);
  });

  it("does not overwrite text being edited until the model's text changes", () => {
    const { root, view } = render(sampleState());
    const textarea = root.querySelector("textarea.sw-text");
    textarea.value = "draft";
    view.update(sampleState({ progress: 0.5 }));
    expect(textarea.value).toBe("draft");
    view.update(sampleState({ text: "from python" }));
    expect(textarea.value).toBe("from python");
  });
});
