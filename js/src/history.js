/** Undo stack of earlier masks. */
export function createHistory(limit = 200) {
  const stack = [];
  return {
    push(masked) {
      stack.push([...masked]);
      if (stack.length > limit) stack.shift();
    },
    pop() {
      return stack.pop();
    },
    clear() {
      stack.length = 0;
    },
    get size() {
      return stack.length;
    },
  };
}
