// Every page of the embedded curriculum in a real browser at 375 px: no console errors or CSP
// violations, the editor loads where there are examples, and nothing scrolls sideways.
import { test } from "node:test";
import assert from "node:assert/strict";
import { editorReady, newPage, serverAndBrowser, shot } from "./harness.mjs";

const env = serverAndBrowser({ content: null });

test("every page: no console errors, editor loaded, no horizontal scroll at 375 px", async () => {
  const home = await (await fetch(env.server.base + "/")).text();
  const tutorials = [...new Set([...home.matchAll(/href="(\/tutorials\/[^"#]+)"/g)].map((m) => m[1]))];
  assert.ok(tutorials.length > 0, "the curriculum has tutorials");
  const paths = ["/", "/playground", "/search?q=list", ...tutorials];
  const page = await newPage(env.browser, { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  const wide = [];
  for (const path of paths) {
    await page.goto(env.server.base + path);
    const examples = await page.locator("[data-example]").count();
    if (examples > 0) {
      // Loaded at once, without any interaction: the editors in view first, the others when idle.
      await editorReady(page);
      await page
        .waitForFunction((n) => document.querySelectorAll("[data-example] .cm-editor").length === n, examples, { timeout: 15_000 })
        .catch(() => assert.fail(`${path}: every example has an editor`));
    }
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 375) wide.push(`${path}: ${width}px`);
    assert.deepEqual(page.problems, [], `${path}: no console errors or CSP violations`);
  }
  assert.deepEqual(wide, [], "pages wider than the screen");
});

test("an example of the embedded curriculum prints what its page says", async () => {
  const page = await newPage(env.browser);
  await page.goto(env.server.base + "/");
  await page.locator(".tutorial-card a").first().click();
  await editorReady(page);
  const example = page.locator("[data-example]").first();
  const expected = await example.locator(".expected pre").textContent();
  await example.locator("[data-run]").click();
  const status = example.locator(".output-body .status");
  await status.waitFor({ timeout: 15_000 });
  assert.match(await status.innerText(), /^Finished · exit code 0/);
  const stdout = (await example.locator(".console .stdout").allTextContents()).join("");
  assert.equal(stdout, expected);
  await shot(page, "curriculum-first-example");
  assert.deepEqual(page.problems, []);
});
