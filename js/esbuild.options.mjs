// Shared by the build script and the "bundle is up to date" test, so both
// produce byte-identical output.
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));

export const buildOptions = {
  absWorkingDir: here,
  entryPoints: ["src/widget.js", "src/widget.css", "src/dataset.js", "src/dataset.css"],
  outdir: path.join(here, "..", "shap_widget", "static"),
  bundle: true,
  format: "esm",
  target: ["es2020"],
  charset: "ascii",
  legalComments: "none",
  minify: false,
  sourcemap: false,
  logLevel: "warning",
};
