// Builds frontend/src into frontend/dist (committed; embedded in the binary by pyguide-render,
// which gives each file a content-hashed name). Deterministic: CI rebuilds and diffs dist/.
//
//   theme.js  — tiny, loaded blocking in <head>: applies the saved theme before first paint.
//   app.js    — every page: theme toggle, the lazy loaders of search.js and the editor.
//   editor.js — CodeMirror 6 + the runner UI (WebSocket streaming, input(), Share, autosave);
//               loaded only on pages with examples, as soon as app.js runs (async: the page
//               paints first); the editors in view are made first, the others when idle.
//   exercise.js — the exercise widget (Check, hints, solution, saved code), loaded by editor.js
//               only on pages with exercises; its editors come from editor.js (window.pyguide).
//   inspect.js + inspect.css — the "Under the hood" panel (src/inspect/), loaded by editor.js on
//               the first click of its button.
//   predict.js — predict-the-output questions (guess, then reveal), loaded by app.js only on
//               pages with predictions, on first interaction or when idle; no editor needed.
//   explain.js — the "What this means" box under a failing run's traceback, loaded by app.js
//               on the first run that ends with an explained error.
//   pictures.js — plots and turtle drawings in the Output pane (a turtle's as an animated SVG),
//               loaded by app.js on a run's first picture.
//   search.js — results as you type in the header's search box (GET /api/search), loaded by
//               app.js on the first focus of the box.
//   style.css — the site's styles; public/ (the favicon) is copied as is.
import * as esbuild from "esbuild";
import { rmSync, mkdirSync, cpSync } from "node:fs";

const dist = new URL("./dist/", import.meta.url).pathname;
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);

const common = {
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
};

await esbuild.build({
  ...common,
  entryPoints: { theme: "src/theme.ts", app: "src/app.ts", editor: "src/editor.ts", style: "src/style.css", inspect: "src/inspect/main.ts", exercise: "src/exercise.ts", predict: "src/predict.ts", explain: "src/explain.ts", pictures: "src/pictures.ts", search: "src/search.ts" },
  outdir: dist,
});

// Static files (the favicon) are copied as they are.
cpSync(new URL("./public/", import.meta.url).pathname, dist, { recursive: true });
