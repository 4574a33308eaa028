// Search on the embedded curriculum: a misspelt word typed into the header's box gives results
// as you type (search.js, loaded on first focus, asking GET /api/search), and a hit leads to
// its section; without JavaScript the same box submits to the /search results page. At
// 1280x800 and at 375x740, with screenshots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { newPage, serverAndBrowser, shot } from "./harness.mjs";

const env = serverAndBrowser({ content: null });

const sizes = [
  { name: "wide", options: { viewport: { width: 1280, height: 800 } } },
  { name: "phone", options: { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true } },
];

for (const { name, options } of sizes) {
  test(`${name}: typing "lamda" lists the lambda tutorial and a hit opens its section`, async () => {
    const page = await newPage(env.browser, options);
    await page.goto(env.server.base + "/");
    const box = page.getByRole("searchbox", { name: "Search tutorials" });
    await box.click();
    await box.pressSequentially("lamda", { delay: 30 });
    const hits = page.locator("#search-results li a");
    await hits.first().waitFor();
    const first = await hits.first().getAttribute("href");
    assert.match(first, /^\/tutorials\/lambda-and-higher-order/, "the first hit is in the lambda tutorial");
    // The snippet marks what matched: "lambda", though "lamda" was typed.
    const marks = (await page.locator("#search-results mark").allInnerTexts()).map((m) => m.toLowerCase());
    assert.ok(marks.includes("lambda"), `marked: ${marks}`);
    assert.match(await page.locator("#search-status").innerText(), /^\d+ results?$/);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= (options.viewport.width), `no sideways scroll: ${width}px`);
    await shot(page, `search-as-you-type-${name}`);

    // Follow a hit that is a section: the page opens at its anchor.
    const section = hits.filter({ hasNotText: "Lambda and Higher-Order Functions" }).first();
    const href = await section.getAttribute("href");
    assert.match(href, /^\/tutorials\/[a-z-]+#[a-z0-9-]+$/, href);
    await section.click();
    await page.waitForURL((u) => u.pathname + u.hash === href);
    const anchor = href.split("#")[1];
    assert.equal(await page.locator(`[id="${anchor}"]`).count(), 1, `the page has #${anchor}`);
    await shot(page, `search-followed-${name}`);
    assert.deepEqual(page.problems, []);
  });

  test(`${name}: without JavaScript, "dictonary" submits to /search, whose first hit is Dictionaries`, async () => {
    const page = await newPage(env.browser, { ...options, javaScriptEnabled: false });
    await page.goto(env.server.base + "/tutorials/lists");
    const box = page.getByRole("searchbox", { name: "Search tutorials" });
    await box.fill("dictonary");
    await box.press("Enter");
    await page.waitForURL(/\/search\?q=dictonary$/);
    assert.match(await page.locator("main").innerText(), /results? for “dictonary”/);
    const first = page.locator(".search-hits li a").first();
    assert.equal(await first.innerText(), "Dictionaries");
    assert.ok((await page.locator(".search-hits mark").count()) > 0, "snippets mark the words that matched");
    await shot(page, `search-no-javascript-${name}`);
    await first.click();
    await page.waitForURL(/\/tutorials\/dictionaries$/);
    assert.deepEqual(page.problems, []);
  });
}
