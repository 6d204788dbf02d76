// The Compare mode: one heatmap row per explanation method, the tokens in
// aligned columns, each row with its faithfulness figures and cost, and a
// small matrix of rank agreement. Draws the kernel's `comparison`; a click on
// a token in any row sends the same mask intent as the main heatmap.
import { h, setAttr, setText } from "./dom.js";
import { backgroundOf, paint } from "./scale.js";
import { formatNumber, formatPrecise, plainNumber } from "./format.js";
import { sameInput } from "./state.js";

const NAMES = {
  shap: "SHAP",
  occlusion: "Occlusion",
  lime: "LIME",
  integrated_gradients: "Integrated gradients",
  gradient_x_input: "Gradient × input",
  attention_rollout: "Attention rollout",
  attention_cls: "Attention (last layer)",
};
const SCALES = [
  ["shared", "Shared scale"],
  ["row", "Scale per row"],
];

export const methodName = (m) => NAMES[m] ?? m;

/** Whether `comparison` was computed for the shown question (`sameInput`) and class. */
export function comparisonAnswers(s) {
  const c = s.comparison ?? {};
  const r = c.result_for ?? {};
  return sameInput(r, s) && r.output === s.output && Number(c.target) === Number(s.target);
}

/** Largest |value| per row over unmasked players, or the largest of all rows on a shared scale. */
export function rowScales(rows, masked, scale) {
  const skip = new Set(masked);
  const own = rows.map((row) =>
    (row.values ?? []).reduce((m, v, i) => (skip.has(i) || !Number.isFinite(v) ? m : Math.max(m, Math.abs(v))), 0),
  );
  if (scale === "row") return own;
  const all = Math.max(0, ...own);
  return own.map(() => all);
}

function figures(row, levels) {
  const at = levels.indexOf(0.2) >= 0 ? levels.indexOf(0.2) : 0;
  const comp = row.comprehensiveness?.[at];
  const suff = row.sufficiency?.[at];
  const q = Math.round((levels[at] ?? 0) * 100);
  const cost = `${row.forward} fwd${row.backward ? ` + ${row.backward} bwd` : ""}`;
  const gap = row.gap == null ? "" : ` · gap ${Math.abs(row.gap) < 1e-4 ? "<0.01" : formatNumber(100 * row.gap)}%`;
  return {
    text: `comp@${q}% ${formatNumber(comp)} · suff@${q}% ${formatNumber(suff)} · ${cost}${gap}`,
    title:
      `Comprehensiveness (top ${q}% removed): ${formatPrecise(comp)}; sufficiency (top ${q}% kept): ` +
      `${formatPrecise(suff)}; AOPC deletion ${formatPrecise(row.aopc_deletion)}, insertion ` +
      `${formatPrecise(row.aopc_insertion)}; cost ${row.forward} forward and ${row.backward} backward passes` +
      (row.gap == null ? "" : `; completeness gap ${formatPrecise(100 * row.gap)}%`),
  };
}

/** The compare panel: `update(s)` draws it in compare mode and hides it otherwise. */
export function createCompare({ onToggle, onScale, readOnly = false }) {
  const scaleButtons = SCALES.map(([value, label]) =>
    h("button", { type: "button", "data-scale": value, text: label, onclick: () => onScale(value) }),
  );
  const scaleGroup = h("div", { class: "sw-compare-scale sw-segmented", role: "group", "aria-label": "Scale" }, scaleButtons);
  const status = h("span", { class: "sw-compare-status", role: "status" });
  const table = h("table", { class: "sw-compare-rows" });
  const agreement = h("table", { class: "sw-compare-agreement" });
  const errors = h("ul", { class: "sw-compare-errors" });
  const el = h("div", { class: "sw-compare-panel", hidden: true }, [
    h("div", { class: "sw-compare-bar" }, [scaleGroup, status]),
    h("div", { class: "sw-compare-scroll" }, [table]),
    errors,
    h("details", { class: "sw-compare-agreement-box", open: true }, [
      h("summary", { text: "Rank agreement (Kendall τ)" }),
      agreement,
    ]),
  ]);

  table.addEventListener("click", (event) => {
    const cell = event.target instanceof Element ? event.target.closest(".sw-compare-token") : null;
    if (cell && table.contains(cell) && !readOnly) onToggle(Number(cell.dataset.index));
  });

  function drawRows(s, c, page) {
    const masked = new Set(s.masked);
    const scales = rowScales(c.rows, s.masked, s.compare_scale);
    const levels = c.levels ?? [];
    const head = h("tr", {}, [
      h("th", { text: "Method" }),
      ...s.tokens.map((t, i) => h("th", { class: "sw-compare-head", "data-index": i, text: String(t?.text ?? "") })),
      h("th", { text: "Faithfulness · cost" }),
    ]);
    const body = c.rows.map((row, r) => {
      const cells = s.tokens.map((t, i) => {
        const v = Number(row.values?.[i]) || 0;
        const isMasked = masked.has(i);
        const td = h("td", {
          class: `sw-compare-token${isMasked ? " sw-masked" : ""}`,
          "data-index": i,
          "data-value": plainNumber(v),
          "data-masked": isMasked ? "true" : "false",
          title: `${t?.text ?? ""}: ${formatPrecise(v)} (${methodName(row.method)})` +
            (readOnly ? "" : `\n${isMasked ? "Masked. Click to restore" : "Click to mask in every row"}`),
          text: String(t?.text ?? ""),
        });
        paint(td, isMasked ? 0 : v, scales[r], page);
        return td;
      });
      const f = figures(row, levels);
      return h("tr", { class: "sw-compare-row", "data-method": row.method }, [
        h("th", { class: "sw-compare-name", text: methodName(row.method) }),
        ...cells,
        h("td", { class: "sw-compare-figures", title: f.title, text: f.text }),
      ]);
    });
    table.replaceChildren(h("thead", {}, [head]), h("tbody", {}, body));
  }

  function drawAgreement(c, page) {
    const names = c.rows.map((r) => r.method);
    const tau = c.kendall_tau ?? [];
    const head = h("tr", {}, [h("th"), ...names.map((n) => h("th", { text: methodName(n), title: methodName(n) }))]);
    const body = names.map((a, i) =>
      h("tr", {}, [
        h("th", { text: methodName(a) }),
        ...names.map((b, j) => {
          const t = tau[i]?.[j];
          const td = h("td", {
            "data-tau": t == null ? "" : plainNumber(t),
            title: `${methodName(a)} vs ${methodName(b)}: Kendall τ ${t == null ? "undefined" : formatPrecise(t)}, ` +
              `top-${c.k} overlap ${formatNumber(c.top_k_overlap?.[i]?.[j])}`,
            text: t == null ? "–" : formatNumber(t),
          });
          paint(td, t ?? 0, 1, page);
          return td;
        }),
      ]),
    );
    agreement.replaceChildren(h("thead", {}, [head]), h("tbody", {}, body));
  }

  function update(s) {
    const active = s.mode === "compare" && s.tokens.length > 0;
    el.hidden = !active;
    for (const button of scaleButtons) {
      setAttr(button, "aria-pressed", button.dataset.scale === s.compare_scale ? "true" : "false");
    }
    if (!active) return;
    const c = s.comparison ?? {};
    const fresh = comparisonAnswers(s);
    setAttr(el, "data-fresh", fresh ? "true" : "false");
    el.classList.toggle("sw-stale", !fresh);
    let line = "";
    if (c.error && fresh) line = `Comparison failed: ${c.error}`;
    else if (!fresh) line = "Comparing methods…";
    else line = `${c.rows.length} methods for ${c.label}. Click a token to mask it in every row`;
    setText(status, line);
    if (!Array.isArray(c.rows) || !Array.isArray(c.rows[0]?.values) || c.rows[0].values.length !== s.tokens.length) {
      table.replaceChildren();
      agreement.replaceChildren();
      errors.replaceChildren();
      return;
    }
    // Chips are mixed into the page's own background, so that they read in a dark theme too.
    const page = backgroundOf(el);
    drawRows(s, c, page);
    drawAgreement(c, page);
    errors.replaceChildren(
      ...Object.entries(c.errors ?? {}).map(([m, text]) =>
        h("li", { "data-method": m, text: `${methodName(m)}: ${text}` }),
      ),
    );
  }

  return { el, update };
}
