import { h, setAttr, setText } from "./dom.js";
import { formatNumber, formatPrecise } from "./format.js";
import { backgroundOf, paletteFor } from "./scale.js";
import { className, contrastName, isContrast, sameToken } from "./dataset_state.js";
import { setTokenText } from "./text_safety.js";

const RANKING_HELP =
  "Ranked by a 95% lower bound on |mean SHAP| over each token's occurrences (|mean| − 1.96 · sd / √count): " +
  "tokens that push the same way every time come first; frequent words whose values are small or change sign " +
  "(stopwords, punctuation) do not win on frequency alone.";

const RANKING_NOTE = "ranked by a 95% lower bound on |mean SHAP| (consistent tokens first, not frequent ones)";
const CONTRAST_NOTE = (s) => `values explain log P(class) − log P(${className(s, s.versus)})`;

/**
 * Tokens ranked towards one class over the explained examples by a lower
 * confidence bound on their mean signed SHAP value (see `rank_tokens`). A
 * bar's length is that bound; its colour the sign of the mean (warm: towards
 * the class, cool: away). Clicking a token filters the table to the examples
 * that contain it; clicking it again clears that.
 */
export function createGlobalView({ onToken, onTarget, onMinCount }) {
  const target = h("select", { class: "sw-global-class", "aria-label": "Class" });
  target.addEventListener("change", () => onTarget(Number(target.value)));
  const minCount = h("input", {
    type: "number",
    class: "sw-global-min-count",
    min: 1,
    step: 1,
    inputmode: "numeric",
    "aria-label": "Minimum number of occurrences",
    title: "Only tokens that occur at least this often",
  });
  let shownMinCount = null;
  minCount.addEventListener("change", () => {
    const n = Math.round(Number(minCount.value));
    if (Number.isFinite(n) && n >= 1) onMinCount(n);
    else minCount.value = String(shownMinCount);
  });
  const heading = h("div", { class: "sw-global-head" }, [
    h("span", { class: "sw-global-title", text: "Surest tokens towards", title: RANKING_HELP }),
    target,
    h("label", { class: "sw-field" }, [h("span", { class: "sw-field-label", text: "min. count" }), minCount]),
  ]);
  const list = h("ol", { class: "sw-global-list" });
  const empty = h("div", { class: "sw-global-empty sw-empty" });
  const note = h("div", { class: "sw-global-note", text: RANKING_NOTE, title: RANKING_HELP });
  const el = h("section", { class: "sw-global", "aria-label": "Tokens ranked across the set" }, [
    heading,
    note,
    list,
    empty,
  ]);

  list.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest(".sw-global-token") : null;
    if (button && list.contains(button)) onToken(button.dataset.token);
  });

  let optionsKey = null;
  let itemsKey = null;

  const strength = (stat) => Number(stat.bound ?? Math.abs(Number(stat.mean))) || 0;

  function item(s, stat, max, palette) {
    const share = max > 0 ? Math.min(1, strength(stat) / max) : 0;
    const rgb = Number(stat.mean) < 0 ? palette.negative : palette.positive;
    const fill = h("span", { class: "sw-global-fill" });
    fill.style.width = `${(share * 100).toFixed(1)}%`;
    fill.style.background = `rgb(${rgb.join(", ")})`;
    const label = contrastName(s, s.global_target);
    const direction = Number(stat.mean) < 0 ? `away from ${label}` : `towards ${label}`;
    const button = h(
      "button",
      {
        type: "button",
        class: "sw-global-token",
        "data-token": stat.token,
        "data-mean-abs": stat.mean_abs,
        "data-bound": stat.bound ?? null,
        "data-count": stat.count,
        "data-examples": stat.examples,
        title:
          `mean ${formatPrecise(stat.mean)} (${direction}), 95% lower bound on |mean| ${formatNumber(strength(stat))}, ` +
          `mean |SHAP| ${formatPrecise(stat.mean_abs).replace("+", "")}; ` +
          `${stat.count} occurrence${stat.count === 1 ? "" : "s"} in ${stat.examples} example${stat.examples === 1 ? "" : "s"}` +
          "\nClick to show only the examples that contain it",
      },
      [
        setTokenText(h("span", { class: "sw-global-name" }), stat.token),
        h("span", { class: "sw-global-bar", "aria-hidden": "true" }, [fill]),
        h("span", { class: "sw-global-value sw-num", text: (Number(stat.mean) > 0 ? "+" : "") + formatNumber(stat.mean) }),
        h("span", { class: "sw-global-count sw-num", text: `×${stat.count}` }),
      ],
    );
    return h("li", {}, [button]);
  }

  function update(s) {
    const key = JSON.stringify([s.labels, s.versus]);
    if (key !== optionsKey) {
      optionsKey = key;
      // A class against itself is 0 everywhere, so the versus class is not offered.
      const classes = s.labels.map((_, i) => i).filter((i) => i !== s.versus);
      target.replaceChildren(...classes.map((i) => h("option", { value: String(i), text: contrastName(s, i) })));
      setText(note, isContrast(s) ? `${CONTRAST_NOTE(s)}; ${RANKING_NOTE}` : RANKING_NOTE);
      setAttr(el, "data-versus", String(s.versus));
    }
    target.value = String(s.global_target);
    if (document.activeElement !== minCount || shownMinCount !== s.global_min_count) {
      minCount.value = String(s.global_min_count);
    }
    shownMinCount = s.global_min_count;

    const tokensKey = JSON.stringify([s.global_tokens, s.global_target, s.labels, s.versus]);
    if (tokensKey !== itemsKey) {
      itemsKey = tokensKey;
      const max = Math.max(0, ...s.global_tokens.map(strength));
      const palette = paletteFor(backgroundOf(el)); // the heatmap's hues for this theme
      list.replaceChildren(...s.global_tokens.map((stat) => item(s, stat, max, palette)));
    }
    for (const button of list.querySelectorAll(".sw-global-token")) {
      setAttr(button, "aria-pressed", sameToken(button.dataset.token, s.filter_token) ? "true" : "false");
    }
    empty.hidden = s.global_tokens.length > 0;
    let message = `No token occurs ${s.global_min_count} or more times in the explained examples.`;
    if (s.state === "predicting" || (s.state === "explaining" && s.n_explained === 0)) {
      message = "Tokens appear here as the examples are explained.";
    } else if (s.state !== "explaining" && s.n_explained === 0) {
      message = "No examples were explained.";
    }
    setText(empty, message);
  }

  return { el, update };
}
