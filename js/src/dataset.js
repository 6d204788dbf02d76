import { TRAITS, nextSort, sameToken } from "./dataset_state.js";
import { createDatasetView } from "./dataset_view.js";

/**
 * The dataset view of DatasetWidget: table, filters, global token ranking and
 * progress. The kernel owns the row order (`visible`); this side sends the
 * user's sort, filter, selection and global view choices.
 */
function render({ model, el }) {
  const snapshot = () => Object.fromEntries(TRAITS.map((name) => [name, model.get(name)]));

  const send = (changes) => {
    const changed = Object.entries(changes).filter(([name, value]) => model.get(name) !== value);
    if (changed.length === 0) return;
    for (const [name, value] of changed) model.set(name, value);
    model.save_changes();
    view.update(snapshot());
  };

  const view = createDatasetView(el, {
    onSort(key) {
      send(nextSort(snapshot(), key));
    },
    onSelect(index) {
      send({ selected: index });
    },
    onFilter(changes) {
      send(changes);
    },
    onToken(token) {
      send({ filter_token: sameToken(token, model.get("filter_token")) ? "" : token });
    },
    onTarget(index) {
      send({ global_target: index });
    },
    onMinCount(n) {
      send({ global_min_count: n });
    },
  });

  const handlers = TRAITS.map((name) => {
    const handler = () => view.update(snapshot());
    model.on(`change:${name}`, handler);
    return [`change:${name}`, handler];
  });

  view.update(snapshot());

  return () => {
    for (const [event, handler] of handlers) model.off(event, handler);
    view.destroy();
  };
}

export default { render };
