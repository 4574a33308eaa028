// Predict the output, in a real browser, on the fixture page /tutorials/loops-and-lists (two
// questions: a free-text one and one with choices): the output stays hidden until a guess,
// an empty guess is refused, a wrong and a right guess are told apart and reveal the output,
// the guesses count in progress (kept after a reload), the page without JavaScript shows the
// output behind a "Show the output" disclosure, and predict.js loads lazily.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { newPage, serverAndBrowser, shot } from "./harness.mjs";

const env = serverAndBrowser();

async function open(options) {
  const page = await newPage(env.browser, options);
  await page.goto(env.server.base + "/tutorials/loops-and-lists");
  // predict.js shows each question's form once it has mounted.
  await page.locator("#predict-1 form").waitFor({ state: "visible", timeout: 15_000 });
  return page;
}

describe("predict the output", () => {
  test("guess, then reveal: a wrong free-text guess, then the right choice", async () => {
    const page = await open();
    const scripts = await page.evaluate(() => Array.from(document.scripts, (s) => s.src));
    assert.ok(scripts.some((s) => /\/static\/predict\.[0-9a-f]+\.js$/.test(s)), "predict.js is loaded");
    const free = page.locator("#predict-1");
    const output = free.locator("[data-predict-output]");
    assert.equal(await output.isVisible(), false, "the output is hidden before the guess");
    assert.equal(await page.locator(".predict-progress").innerText(), "Predictions: 0 of 2 answered");

    // An empty guess is refused, and nothing is revealed.
    await free.getByRole("button", { name: "Check my guess" }).click();
    assert.match(await free.locator("[data-predict-verdict]").innerText(), /Make a guess first/);
    assert.equal(await output.isVisible(), false);

    // A wrong guess: told so, and the output is revealed.
    await free.getByLabel("Your guess").fill("looploop 8");
    await free.getByRole("button", { name: "Check my guess" }).click();
    assert.match(await free.locator("[data-predict-verdict]").innerText(), /^Not quite/);
    assert.equal(await output.isVisible(), true, "the output is revealed after the guess");
    assert.equal((await output.innerText()).trim(), "looploop 4");
    assert.equal(await free.getByLabel("Your guess").isDisabled(), true);
    assert.equal(await free.locator("[data-predict-done]").isVisible(), true, "a guess counts as answered");

    // A right guess among the choices, by keyboard.
    const choice = page.locator("#predict-2");
    await choice.getByLabel("1", { exact: true }).check();
    await choice.getByRole("button", { name: "Check my guess" }).press("Enter");
    assert.match(await choice.locator("[data-predict-verdict]").innerText(), /^Right!/);
    assert.equal((await choice.locator("[data-predict-output]").innerText()).trim(), "1");
    assert.equal(await page.locator(".predict-progress").innerText(), "Predictions: 2 of 2 answered");
    await shot(page, "predict-answered");

    // Progress is kept in this browser: after a reload both are answered, outputs shown.
    await page.reload();
    await page.locator("#predict-1[data-mounted]").waitFor({ state: "attached", timeout: 15_000 });
    assert.equal(await page.locator(".predict-progress").innerText(), "Predictions: 2 of 2 answered");
    assert.equal(await page.locator("#predict-2 [data-predict-output]").isVisible(), true);
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("pyguide.progress.v1")).done);
    assert.deepEqual(Object.keys(stored).sort(), ["loops-and-lists/predict-1", "loops-and-lists/predict-2"]);
    assert.deepEqual(page.problems, [], "no console errors or CSP violations");
    await page.context().close();
  });

  test("a right free-text guess ignores surrounding whitespace", async () => {
    const page = await open();
    const free = page.locator("#predict-1");
    await free.getByLabel("Your guess").fill("  looploop 4 \n");
    await free.getByRole("button", { name: "Check my guess" }).click();
    assert.match(await free.locator("[data-predict-verdict]").innerText(), /^Right!/);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test("without JavaScript the output waits behind a disclosure", async () => {
    const page = await newPage(env.browser, { javaScriptEnabled: false });
    await page.goto(env.server.base + "/tutorials/loops-and-lists");
    const q = page.locator("#predict-1");
    assert.equal(await q.locator("form").isVisible(), false, "no form without JavaScript");
    assert.equal(await q.locator("[data-predict-output]").isVisible(), false, "closed until the reader opens it");
    await q.getByText("Show the output").click();
    assert.equal((await q.locator("[data-predict-output]").innerText()).trim(), "looploop 4");
    await page.context().close();
  });
});
