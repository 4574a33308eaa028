// "What this means", in a real browser, on the embedded curriculum (whose sections the
// explanations link to): a misspelled name shows the box under the traceback with the learner's
// names, the fix and a link that opens the right section; the editor's failing line is
// highlighted; explain.js loads only on the first explained error; the box starts collapsed the
// second time the same kind comes up; an exercise that fails before its checks is explained from
// the learner's lines only; and the box fits 1280x800 and 375x740.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { editorReady, newPage, serverAndBrowser, shot } from "./harness.mjs";

const env = serverAndBrowser({ content: null });

const MISSPELLED = "score = 10\nprint(scroe)\n";

async function playground(viewport) {
  const page = await newPage(env.browser, { viewport });
  await page.goto(env.server.base + "/playground");
  await editorReady(page);
  return { page, example: page.locator("[data-example]").first() };
}

async function run(page, example, code) {
  await example.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(code);
  await example.locator("[data-run]").click();
  await example.locator(".output-body .status").waitFor({ timeout: 15_000 });
}

const explainScripts = (page) =>
  page.evaluate(() => Array.from(document.scripts, (s) => s.src).filter((s) => /\/static\/explain\.[0-9a-f]+\.js$/.test(s)));

describe("what this means", () => {
  test("a misspelled name: the box, the highlighted line, and the link to its section (1280x800)", async () => {
    const { page, example } = await playground({ width: 1280, height: 800 });
    await page.evaluate(() => localStorage.clear());
    assert.deepEqual(await explainScripts(page), [], "explain.js is not loaded before an error needs it");
    await run(page, example, MISSPELLED);
    const box = example.locator(".explain");
    await box.waitFor({ timeout: 15_000 });
    assert.equal(await explainScripts(page).then((s) => s.length), 1, "explain.js is loaded once");
    assert.equal(await box.evaluate((d) => d.open), true, "open the first time");
    assert.equal(await box.getAttribute("data-kind"), "NameError");
    const text = await box.innerText();
    assert.match(text, /What this means: Python does not know the name scroe; did you mean score\?/);
    assert.match(text, /Line 2 uses scroe/);
    assert.match(text, /Try this: Change scroe to score\./);
    assert.deepEqual(await box.locator(".explain-title code").allInnerTexts(), ["scroe", "score"], "code shown as code");
    // The box comes after the one-line summary, under the traceback.
    assert.match(await example.locator(".error-box").innerText(), /NameError: name 'scroe' is not defined/);
    assert.equal(await example.locator(".error-box + .explain").count(), 1);
    // The failing line is highlighted in the editor.
    assert.equal(await example.locator(".cm-error-line").innerText(), "print(scroe)");
    await box.scrollIntoViewIfNeeded();
    await shot(page, "explain-1280");
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1280);

    // The same kind again: the box is there, collapsed, and opens on a click.
    await run(page, example, "total = 0\nprint(totl)\n");
    await page.waitForFunction(() => document.querySelector(".explain")?.textContent?.includes("totl"), null, { timeout: 15_000 });
    assert.equal(await example.locator(".explain").count(), 1, "one box per run");
    assert.equal(await example.locator(".explain").evaluate((d) => d.open), false, "collapsed the second time");
    await example.locator(".explain summary").click();
    assert.equal(await example.locator(".explain").evaluate((d) => d.open), true);

    // The link opens the section that teaches the fix.
    const link = example.locator(".explain-more a");
    const href = await link.getAttribute("href");
    assert.match(href, /^\/tutorials\/variables#[a-z0-9-]+$/);
    await link.click();
    await page.waitForURL((u) => u.pathname === "/tutorials/variables");
    const anchor = href.split("#")[1];
    assert.equal(new URL(page.url()).hash, `#${anchor}`);
    const target = page.locator(`[id="${anchor}"]`);
    assert.equal(await target.count(), 1, "the section exists on the page");
    assert.ok(await target.evaluate((t) => t.getBoundingClientRect().top < window.innerHeight), "and is scrolled to");
    assert.deepEqual(page.problems, [], "no console errors or CSP violations");
  });

  test("375x740: the box fits the narrow screen", async () => {
    const { page, example } = await playground({ width: 375, height: 740 });
    await page.evaluate(() => localStorage.clear());
    await run(page, example, 'name = "Sam"\nprint("Hello " + name + 5)\n');
    const box = example.locator(".explain");
    await box.waitFor({ timeout: 15_000 });
    assert.match(await box.innerText(), /Try this:/);
    await box.scrollIntoViewIfNeeded();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `the page is ${width}px wide`);
    const right = await box.evaluate((b) => b.getBoundingClientRect().right);
    assert.ok(right <= 375, `the box ends at ${right}px`);
    await shot(page, "explain-375");
    assert.deepEqual(page.problems, [], "no console errors or CSP violations");
  });

  test("an exercise that fails before its checks is explained from the learner's lines only", async () => {
    const page = await newPage(env.browser, { viewport: { width: 1280, height: 800 } });
    await page.goto(env.server.base + "/playground");
    const post = (code) =>
      page.evaluate(async (code) => {
        const res = await fetch("/api/exercise", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ exercise: "booleans-and-none/ex-leap-year", code }),
        });
        return res.json();
      }, code);
    const failing = await post("year = 2024\nprint(yaer)\n");
    assert.equal(failing.passed, false);
    assert.equal(failing.explanation.kind, "NameError");
    assert.equal(failing.explanation.line, 2);
    assert.match(failing.explanation.title, /yaer/);
    const syntax = await post("def is_leap(year)\n    return True\n");
    assert.equal(syntax.explanation.kind, "SyntaxError.missing_colon");
    assert.equal(syntax.explanation.line, 1);
    for (const v of [failing, syntax]) {
      assert.doesNotMatch(v.stderr, /exercise\.py/, "no frame of the checker");
      assert.doesNotMatch(JSON.stringify(v.explanation), /exercise\.py|\/tmp\//);
    }
    assert.deepEqual(page.problems, [], "no console errors or CSP violations");
  });
});
