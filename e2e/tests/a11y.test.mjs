// Accessibility and valid HTML on every kind of page: axe-core (from npm) in both themes at
// 1280×800 and 375×740, with the editors mounted, requiring no serious or critical violation;
// and the Nu HTML checker (the npm vnu-jar package, run with Java) finding no error in the HTML
// the server sends.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { newPage, serverAndBrowser, shot } from "./harness.mjs";

const env = serverAndBrowser();
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** The kinds of page, by path; the shared code page's path is known once a program is shared. */
const pages = {
  home: "/",
  tutorial: "/tutorials/first-steps",
  exercise: "/tutorials/practice",
  playground: "/playground",
  search: "/search?q=loop",
};

/** Shares a program once, for the shared code page. */
async function sharePage() {
  if (pages.shared) return;
  const res = await fetch(env.server.base + "/api/share", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code: "# a shared program\nprint('hello')\n" }),
  });
  assert.equal(res.status, 201);
  pages.shared = (await res.json()).url;
}

const WIDTHS = [
  { name: "wide", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true },
];

for (const theme of ["light", "dark"]) {
  for (const { name, ...options } of WIDTHS) {
    describe(`axe-core, ${theme} theme, ${name}`, () => {
      for (const kind of ["home", "tutorial", "exercise", "playground", "shared", "search"]) {
        test(`${kind}: no serious or critical violations`, async () => {
          // axe is evaluated into the page; the CSP (script-src 'self') would refuse it as a <script>.
          await sharePage();
          const page = await newPage(env.browser, { ...options, colorScheme: theme, bypassCSP: true });
          await page.goto(env.server.base + pages[kind]);
          if (kind !== "home" && kind !== "search") {
            await page.waitForSelector(".cm-editor", { timeout: 15_000 });
            // The exercises' editors come from exercise.js, after editor.js.
            if (kind === "exercise") await page.waitForSelector("[data-exercise] .cm-editor");
          }
          await page.evaluate(axeSource);
          const result = await page.evaluate(() =>
            window.axe.run(document, { resultTypes: ["violations"], runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }),
          );
          const bad = result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
          if (bad.length) await shot(page, `axe-${kind}-${theme}-${name}`);
          assert.deepEqual(bad, []);
        });
      }
    });
  }
}

describe("Nu HTML checker", () => {
  test("every kind of page is valid HTML", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pyguide-vnu-"));
    try {
      await sharePage();
      const files = [];
      for (const [kind, path] of Object.entries(pages)) {
        const res = await fetch(env.server.base + path);
        assert.equal(res.status, 200, path);
        const file = join(dir, `${kind}.html`);
        writeFileSync(file, await res.text());
        files.push(file);
      }
      const vnu = require.resolve("vnu-jar/build/dist/vnu.jar");
      const run = promisify(execFile);
      // Exit status 1 when there are errors: the JSON report on stderr says which.
      const out = await run("java", ["-jar", vnu, "--errors-only", "--format", "json", ...files], { maxBuffer: 1 << 24 }).catch((e) => e);
      const report = JSON.parse(out.stderr || "{}");
      const errors = (report.messages || []).map((m) => `${m.url?.split("/").pop()}:${m.lastLine}: ${m.message}`);
      assert.deepEqual(errors, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
