import { describe, expect, it } from "vitest";
import { budgetNote, parseBudget } from "../src/controls.js";
import { normalize } from "../src/state.js";
import { sampleState } from "./fixtures.js";

const raw = (overrides = {}) =>
  sampleState({ method_used: "kernel", max_evals: "auto", n_evals: 1234, settled: true, ...overrides });
const settled = (overrides = {}) => normalize(raw(overrides));

describe("budget field text", () => {
  it("reads auto or an integer of at least 2, and nothing else", () => {
    expect(parseBudget(" Auto ")).toBe("auto");
    expect(parseBudget("250")).toBe(250);
    for (const bad of ["1", "-3", "2.5", "1e3", "", "lots"]) expect(parseBudget(bad)).toBeNull();
  });

  it("says where an automatic budget settled, or that it stopped unsettled", () => {
    expect(budgetNote(settled())).toBe("settled at 1,234 evaluations");
    expect(budgetNote(settled({ settled: false }))).toBe("stopped at 1,234 evaluations, not settled");
  });

  it("claims neither where it is not known whether a stored result settled", () => {
    expect(budgetNote(settled({ settled: null }))).toBe("1,234 evaluations");
  });

  it("says nothing for a fixed budget, an exact result or an estimate still refining", () => {
    expect(budgetNote(settled({ max_evals: 500 }))).toBe("");
    expect(budgetNote(settled({ method_used: "exact" }))).toBe("");
    expect(budgetNote(settled({ state: "refining" }))).toBe("");
  });
});
