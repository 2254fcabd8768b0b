// Builds the operator map into dist/: one JavaScript bundle (MapLibre GL included), one
// stylesheet, and the page. Run by `make web` after `npm ci`.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

const here = new URL(".", import.meta.url).pathname;
mkdirSync(`${here}dist`, { recursive: true });
await build({
  entryPoints: { app: `${here}src/main.js` },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: ["chrome110", "firefox110", "safari16"],
  outdir: `${here}dist`,
  loader: { ".css": "css" },
  logLevel: "warning",
});
copyFileSync(`${here}src/index.html`, `${here}dist/index.html`);
console.log("operator map built in dist/");
