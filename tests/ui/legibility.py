"""Page-side measurements of how legible the heatmap is, shared by the browser tests and docs/screenshots.py:
WCAG contrast ratios computed from the rendered DOM, and switching JupyterLab's theme."""

from __future__ import annotations

from playwright.sync_api import Page

LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"

# For every token of the first heatmap: its text colour and chip colour as rendered (alpha composited over
# what lies behind), their contrast ratio, and for the strongest chips their contrast with the page.
_CONTRAST_JS = r"""
(selector) => {
  const parse = (css) => {
    const m = /rgba?\(([^)]+)\)/.exec(css || "");
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { rgb: p.slice(0, 3), a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => top.rgb.map((c, k) => c * top.a + bottom[k] * (1 - top.a));
  const lin = (c) => { const s = c / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const ratio = (x, y) => { const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p); return (a + 0.05) / (b + 0.05); };
  const behind = (el) => {
    const layers = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let rgb = [255, 255, 255];
    for (const layer of layers.reverse()) rgb = over(layer, rgb);
    return rgb;
  };
  const root = document.querySelector(selector);
  const heatmap = root.querySelector(".sw-heatmap");
  const page = behind(heatmap);
  return [...heatmap.querySelectorAll(".sw-token")].map((t) => {
    const chip = behind(t);
    const text = over(parse(getComputedStyle(t).color), chip);
    return {
      index: Number(t.dataset.index),
      text: t.textContent,
      strength: Number(t.dataset.strength || 0),
      contrast: ratio(text, chip),
      page: ratio(chip, page),
      dark: lum(page) < 0.2,
    };
  });
}
"""


def token_contrasts(page: Page, selector: str = ".jp-OutputArea-output .shap-widget") -> list[dict]:
    """Per token of the widget matching `selector`: text/chip contrast, chip/page contrast and strength."""
    return page.evaluate(_CONTRAST_JS, selector)


def set_theme(page: Page, theme: str) -> None:
    """Switch JupyterLab's theme and wait until the widgets have redrawn their chips for it."""
    page.evaluate("(theme) => window.jupyterapp.commands.execute('apputils:change-theme', { theme })", theme)
    dark = theme == DARK
    page.wait_for_function(
        """(dark) => {
            if (document.body.dataset.jpThemeName === undefined) return false;
            const el = document.querySelector('.jp-OutputArea-output .shap-widget .sw-heatmap');
            if (!el) return true;
            let c = null;
            for (let n = el; n && !c; n = n.parentElement) {
                const m = /rgba?\\(([^)]+)\\)/.exec(getComputedStyle(n).backgroundColor);
                if (m) { const p = m[1].split(/[\\s,\\/]+/).map(Number); if (p.length < 4 || p[3] > 0) c = p; }
            }
            return c && ((c[0] + c[1] + c[2]) / 3 < 128) === dark;
        }""",
        arg=dark,
        timeout=30_000,
    )
    page.wait_for_timeout(1200)  # the widgets redraw once more after the theme's stylesheet settles
