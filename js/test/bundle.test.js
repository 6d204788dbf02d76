import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as esbuild from "esbuild";
import { buildOptions } from "../esbuild.options.mjs";

describe("bundle is up to date", () => {
  it("the committed shap_widget/static files equal a fresh build of js/src", async () => {
    const result = await esbuild.build({ ...buildOptions, write: false, logLevel: "silent" });
    const names = result.outputFiles.map((f) => path.basename(f.path)).sort();
    expect(names).toEqual(["dataset.css", "dataset.js", "widget.css", "widget.js"]);
    for (const file of result.outputFiles) {
      const committed = readFileSync(file.path);
      const fresh = Buffer.from(file.contents);
      expect(
        committed.equals(fresh),
        `${path.relative(process.cwd(), file.path)} is out of date: run \`npm run build\` in js/`,
      ).toBe(true);
    }
  });
});
