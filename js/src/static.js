import { createView } from "./view.js";

/**
 * Renders a saved widget state without a kernel, for a standalone HTML
 * page: the same view, read-only, where selecting a class still works
 * because the state holds the attributions of every class.
 */
export function renderStatic({ el, state }) {
  let current = { ...state, pending: false, canUndo: false };
  const view = createView(
    el,
    {
      onTarget(index) {
        if (index === current.target) return;
        current = { ...current, target: index };
        view.update(current);
      },
      onMode(mode) {
        current = { ...current, mode };
        view.update(current);
      },
      onFocus(focus) {
        current = { ...current, focus };
        view.update(current);
      },
    },
    { readOnly: true },
  );
  view.update(current);
  return view;
}
