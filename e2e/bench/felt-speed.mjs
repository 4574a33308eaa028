// Felt speed, measured in Chromium (a benchmark, not a test: it prints figures and checks
// nothing). From one browser session against `pyguide serve` with the embedded curriculum:
//
//   click → first output: from a click on Run to the first output painted (the animation
//     frame after it is in the DOM), on a tutorial page that is already interactive, against
//     the raw WebSocket round trip for the same program (open, send the run, first stdout) from
//     the same page, runs interleaved;
//   time to interactive: from navigation to the editors in view being ready (every example
//     on screen is an editor; a Run pressed anywhere runs), and to every example being an
//     editor, on a fresh browser context (nothing cached).
//
// Usage: node bench/felt-speed.mjs [--runs N] [--baseline OTHER_PYGUIDE_BIN]
//   (the binary measured is $PYGUIDE_BIN, else the workspace's build, as for the tests; with
//   --baseline, the other binary is measured in the same browser session, for a before/after).
import { launch, newPage, pyguideBin, startServer } from "../tests/harness.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(opt("--runs", 25));
const baseline = opt("--baseline", null);
const PAGES = ["/tutorials/first-program", "/tutorials/how-python-works"];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];
const ms = (x) => `${x.toFixed(1)} ms`;

/** In the page: the first example that runs without input, its id and code (as the server sent it). */
async function firstExample(page) {
  return page.evaluate(async () => {
    const html = await (await fetch(location.href)).text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    for (const ex of doc.querySelectorAll("[data-example]")) {
      const code = ex.querySelector("[data-code]").textContent.replace(/\n$/, "");
      if (!ex.querySelector("[data-file], [data-stdin]") && !code.includes("input(")) return { id: ex.id, code };
    }
    return null;
  });
}

/** In the page: a WebSocket run of `code`, from opening the socket to the first stdout. */
function rawRoundTrip(page, code) {
  return page.evaluate(
    (code) =>
      new Promise((resolve, reject) => {
        const t0 = performance.now();
        const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/run/ws");
        let first = null;
        ws.onopen = () => ws.send(JSON.stringify({ type: "run", code, files: {} }));
        ws.onmessage = (ev) => {
          const m = JSON.parse(ev.data);
          if (first === null && (m.type === "stdout" || m.type === "stderr")) first = performance.now() - t0;
          if (m.type === "exit" || m.type === "error") {
            ws.close();
            first === null ? reject(new Error(JSON.stringify(m))) : resolve(first);
          }
        };
        ws.onerror = () => reject(new Error("the WebSocket failed"));
      }),
    code,
  );
}

/** In the page: a click on the example's Run, to the frame that paints its first output; then
 * waits for the run to end. */
function clickToOutput(page, id) {
  return page.evaluate(
    (id) =>
      new Promise((resolve) => {
        const ex = document.getElementById(id);
        const body = ex.querySelector(".output-body");
        let t0 = 0;
        let painted = null;
        const seen = new MutationObserver(() => {
          if (painted === null && body.querySelector(".console")?.textContent) {
            painted = 0;
            requestAnimationFrame(() => (painted = performance.now() - t0));
          }
          if (painted !== null && body.querySelector(".status")) {
            seen.disconnect();
            const done = () => (painted ? resolve(painted) : requestAnimationFrame(done));
            done();
          }
        });
        seen.observe(body, { subtree: true, childList: true, characterData: true });
        t0 = performance.now();
        ex.querySelector("[data-run]").click();
      }),
    id,
  );
}

/** Navigation to the editors in view, and to all of them, being ready, on a fresh context
 * (cold cache): [in view, all] in ms. Watched from outside the page's code (a
 * MutationObserver), so that any build can be measured, a baseline's too. */
async function timeToInteractive(browser, url) {
  const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  await page.context().addInitScript(() => {
    const look = () => {
      const all = Array.from(document.querySelectorAll("[data-example]"));
      if (!all.length || document.readyState === "loading") return false;
      const ready = (e) => e.querySelector(".cm-editor");
      const inView = all.filter((e) => e.getBoundingClientRect().top < innerHeight);
      if (!window.__inView && inView.every(ready)) window.__inView = performance.now();
      if (all.every(ready)) window.__all = performance.now();
      return !!window.__all;
    };
    new MutationObserver((_, mo) => look() && mo.disconnect()).observe(document, { subtree: true, childList: true });
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__all, null, { timeout: 20_000 });
  const t = await page.evaluate(() => [window.__inView, window.__all]);
  await page.context().close();
  return t;
}

async function measure(label, bin, browser) {
  process.env.PYGUIDE_BIN = bin;
  const server = await startServer({ content: null });
  try {
    console.log(`\n${label}: ${bin}`);
    for (const path of PAGES) {
      const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
      await page.goto(server.base + path);
      await page.waitForSelector("[data-example] .cm-editor", { timeout: 20_000 });
      const ex = await firstExample(page);
      const raw = [];
      const click = [];
      // One of each first, unmeasured: the sandbox's and the page's first-run costs.
      await rawRoundTrip(page, ex.code);
      await clickToOutput(page, ex.id);
      for (let i = 0; i < RUNS; i++) {
        raw.push(await rawRoundTrip(page, ex.code));
        click.push(await clickToOutput(page, ex.id));
      }
      const ratio = median(click) / median(raw);
      console.log(
        `  ${path} (#${ex.id}): click → first output p50 ${ms(median(click))} (p90 ${ms(p90(click))}), ` +
          `raw WebSocket p50 ${ms(median(raw))} (p90 ${ms(p90(raw))}): ${ratio.toFixed(2)}× the round trip`,
      );
      await page.context().close();
      const view = [];
      const all = [];
      for (let i = 0; i < Math.max(5, Math.round(RUNS / 3)); i++) {
        const [v, a] = await timeToInteractive(browser, server.base + path);
        view.push(v);
        all.push(a);
      }
      console.log(
        `  ${path}: time to interactive (editors in view) p50 ${ms(median(view))} (p90 ${ms(p90(view))}); ` +
          `every editor p50 ${ms(median(all))} (${view.length} cold loads)`,
      );
    }
  } finally {
    await server.stop();
  }
}

const browser = await launch();
try {
  const bin = pyguideBin();
  await measure("this build", bin, browser);
  if (baseline) await measure("baseline", baseline, browser);
} finally {
  await browser.close();
}
