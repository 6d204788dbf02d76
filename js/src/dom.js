/**
 * Creates an element. Attributes: `class`, `text`, `on<event>` handlers,
 * and plain attributes (skipped when null or false).
 */
export function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of [].concat(children)) if (child != null) el.append(child);
  return el;
}

/** Sets an attribute only when it changes, to keep mutations minimal. */
export function setAttr(el, name, value) {
  if (value == null || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
    return;
  }
  const s = value === true ? "" : String(value);
  if (el.getAttribute(name) !== s) el.setAttribute(name, s);
}

export function setText(el, text) {
  const s = String(text);
  if (el.textContent !== s) el.textContent = s;
}

/** Grows (or shrinks) a text box to show all its lines, up to its CSS max-height. */
export function fitHeight(textarea) {
  if (!textarea.isConnected) {
    globalThis.requestAnimationFrame?.(() => textarea.isConnected && fitHeight(textarea));
    return;
  }
  textarea.style.height = "auto";
  const border = textarea.offsetHeight - textarea.clientHeight;
  if (textarea.scrollHeight > 0) textarea.style.height = `${textarea.scrollHeight + Math.max(0, border)}px`;
  else textarea.style.height = "";
}

/**
 * Calls `redraw` when JupyterLab switches theme (it marks <body>), at once and again after its stylesheet
 * has settled, since chips and bars take the page's colours. Returns the function that stops watching.
 */
export function onThemeChange(redraw) {
  if (typeof MutationObserver !== "function" || !document.body) return () => {};
  const watch = new MutationObserver(() => {
    redraw();
    for (const ms of [250, 1000]) setTimeout(redraw, ms);
  });
  watch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });
  return () => watch.disconnect();
}
