// The learner's page in a real browser: running, editing, streaming, input(), Stop, tracebacks,
// sharing, the theme, search, keyboard use and the 375 px layout — on the fixture content.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { consoleText, editorReady, newPage, serverAndBrowser, shot } from "./harness.mjs";

const env = serverAndBrowser();

/** Replaces an example's code by typing over it, as a learner would. (Typing over a selection
 * once made Chrome add a `style` attribute the CSP refused: every test checks the console.) */
async function setCode(page, example, code) {
  await example.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  // insertText types the whole text at once, without auto-indent adding to our indentation.
  await page.keyboard.insertText(code);
}

async function statusText(example) {
  const status = example.locator(".output-body .status");
  await status.waitFor({ timeout: 15_000 });
  return status.innerText();
}

async function playground() {
  const page = await newPage(env.browser);
  await page.goto(env.server.base + "/playground");
  await editorReady(page);
  return { page, example: page.locator("[data-example]").first() };
}

function noProblems(page) {
  assert.deepEqual(page.problems, [], "no console errors or CSP violations");
}

describe("examples", () => {
  test("run an example", async () => {
    const page = await newPage(env.browser);
    await page.goto(env.server.base + "/tutorials/first-steps");
    const example = page.locator("[data-example]").first();
    // The first click may come before the editor has loaded: the run still happens.
    await example.locator("[data-run]").click();
    assert.match(await statusText(example), /^Finished · exit code 0 · \d+ ms$/);
    assert.equal(await consoleText(example), "Hello, PyGuide!\n42\n");
    await shot(page, "run-example");
    noProblems(page);
  });

  test("edit and run (Ctrl+Enter)", async () => {
    const page = await newPage(env.browser);
    await page.goto(env.server.base + "/tutorials/first-steps");
    await editorReady(page);
    const example = page.locator("[data-example]").first();
    // Typed key by key: auto-indent after the colon, brackets as typed.
    await example.locator(".cm-content").click();
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type('for word in ["edited", "and", "run"]:\nprint(word.upper())');
    assert.equal(await example.locator(".cm-content").innerText(), 'for word in ["edited", "and", "run"]:\n    print(word.upper())');
    await page.keyboard.press("Control+Enter");
    assert.match(await statusText(example), /^Finished/);
    assert.equal(await consoleText(example), "EDITED\nAND\nRUN\n");
    // Reset brings the original back.
    await example.getByRole("button", { name: "Reset the code to the original" }).click();
    assert.match(await example.locator(".cm-content").innerText(), /print\("Hello, PyGuide!"\)/);
    noProblems(page);
  });

  test("output streams line by line, in order", async () => {
    const { page, example } = await playground();
    await setCode(
      page,
      example,
      // stdout and stderr are two pipes: their order is kept when the writes are apart in time.
      "import sys, time\nfor i in range(4):\n    print('line', i)\n    if i == 1:\n        time.sleep(0.1)\n        print('warning', i, file=sys.stderr)\n    time.sleep(0.4)\nprint('done')",
    );
    const started = Date.now();
    await example.locator("[data-run]").click();
    const seen = [];
    for (const text of ["line 0", "line 1", "line 2", "line 3", "done"]) {
      await page.waitForFunction(
        (t) => document.querySelector("[data-example] .console")?.textContent.includes(t),
        text,
        { timeout: 10_000, polling: 20 },
      );
      const finished = await example.locator(".output-body .status").count();
      seen.push({ text, at: Date.now() - started, finished });
    }
    // Each line arrived while the program was still running, about 0.4 s after the one before.
    for (const s of seen.slice(0, 4)) assert.equal(s.finished, 0, `${s.text} shown before the end`);
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i].at - seen[i - 1].at >= 250, `lines arrive apart: ${JSON.stringify(seen)}`);
    }
    assert.match(await statusText(example), /^Finished/);
    assert.equal(await consoleText(example), "line 0\nline 1\nwarning 1\nline 2\nline 3\ndone\n");
    // stderr is marked as such.
    assert.equal(await example.locator(".console .stderr").innerText(), "warning 1\n");
    await shot(page, "streaming");
    noProblems(page);
  });

  test("input() twice: the prompt, then the learner's typing", async () => {
    const { page, example } = await playground();
    await setCode(
      page,
      example,
      'first = input("First name: ")\nlast = input("Last name: ")\nprint(f"Hello, {first} {last}!")',
    );
    await example.locator("[data-run]").click();
    const field = example.getByRole("textbox", { name: /Input for the program/ });
    await page.waitForFunction(() => document.querySelector("[data-example] .console")?.textContent === "First name: ");
    // The input line comes right after the prompt, and has the focus.
    await field.waitFor();
    await page.waitForFunction(() => document.activeElement?.classList.contains("stdin-field"), null, { timeout: 2000 });
    await field.fill("Ada");
    await field.press("Enter");
    await page.waitForFunction(() => document.querySelector("[data-example] .console")?.textContent.endsWith("Last name: "));
    await shot(page, "input-second-prompt");
    await field.fill("Lovelace");
    await field.press("Enter");
    assert.match(await statusText(example), /^Finished/);
    assert.equal(await consoleText(example), "First name: Ada\nLast name: Lovelace\nHello, Ada Lovelace!\n");
    assert.equal(await field.count(), 0, "the input line goes away when the program ends");
    await shot(page, "input-done");
    noProblems(page);
  });

  test("Stop ends an infinite loop", async () => {
    const { page, example } = await playground();
    await setCode(page, example, "print('spinning', flush=True)\nwhile True:\n    pass");
    await example.locator("[data-run]").click();
    await page.waitForFunction(() => document.querySelector("[data-example] .console")?.textContent.includes("spinning"));
    const stop = example.getByRole("button", { name: "Stop the program" });
    assert.equal(await stop.isEnabled(), true);
    const t0 = Date.now();
    await stop.click();
    assert.match(await statusText(example), /^Stopped by you/);
    assert.ok(Date.now() - t0 < 3000, "stopped at once, long before the time limit");
    assert.equal(await stop.isEnabled(), false);
    assert.equal(await example.locator("[data-run]").isEnabled(), true);
    noProblems(page);
  });

  test("a traceback is shown apart and its line is highlighted in the editor", async () => {
    const page = await newPage(env.browser);
    await page.goto(env.server.base + "/tutorials/first-steps");
    await editorReady(page);
    const example = page.locator("#first-steps-2");
    await example.locator("[data-run]").click();
    assert.match(await statusText(example), /^Exited with an error · exit code 1/);
    const box = example.locator(".error-box");
    assert.match(await box.innerText(), /ZeroDivisionError: division by zero — line 4 of your code/);
    const line = example.locator(".cm-error-line");
    assert.equal(await line.count(), 1);
    assert.equal(await line.innerText(), "average = total / count");
    const stderr = (await example.locator(".console .stderr").allInnerTexts()).join("");
    assert.match(stderr, /^Traceback \(most recent call last\):\n(.|\n)*ZeroDivisionError: division by zero\n$/);
    assert.match(await consoleText(example), /^before\nTraceback/, "stdout printed before the error comes first");
    await example.scrollIntoViewIfNeeded();
    await shot(page, "traceback");
    // Editing the code clears the highlight.
    await example.locator(".cm-content").click();
    await page.keyboard.type("# fixed?\n");
    assert.equal(await example.locator(".cm-error-line").count(), 0);
    noProblems(page);
  });

  test("limits are explained in plain words, with the limit", async () => {
    const { page, example } = await playground();
    await setCode(page, example, "while True:\n    print('x' * 1000)");
    await example.locator("[data-run]").click();
    assert.match(await statusText(example), /output limit of 1 MiB/);
    noProblems(page);
  });

  test("a fixed stdin block and an extra file run as on the page", async () => {
    const page = await newPage(env.browser);
    await page.goto(env.server.base + "/tutorials/first-steps");
    await editorReady(page);
    const withStdin = page.locator("#first-steps-3");
    await withStdin.locator("[data-run]").click();
    await statusText(withStdin);
    assert.equal(await consoleText(withStdin), "Name: Hi Ada\n");
    const withFile = page.locator("#first-steps-4");
    await withFile.locator("[data-run]").click();
    await statusText(withFile);
    assert.equal(await consoleText(withFile), "Hello, Grace!\n");
    noProblems(page);
  });
});

describe("share", () => {
  test("share round trip (SQLite) and 404 for unknown ids", async () => {
    const { page, example } = await playground();
    await setCode(page, example, "print('shared from the e2e test')");
    await example.getByRole("button", { name: "Share a link to this code" }).click();
    const url = example.locator(".share-url");
    await url.waitFor();
    const link = await url.inputValue();
    assert.match(link, /\/s\/[0-9A-Za-z]{12}$/);
    await shot(page, "share");

    const other = await newPage(env.browser);
    await other.goto(link);
    await editorReady(other);
    const shared = other.locator("[data-example]").first();
    assert.equal(await shared.locator(".cm-content").innerText(), "print('shared from the e2e test')");
    await shared.locator("[data-run]").click();
    await statusText(shared);
    assert.equal(await consoleText(shared), "shared from the e2e test\n");
    noProblems(other);

    const missing = await newPage(env.browser);
    const res = await missing.goto(env.server.base + "/s/AAAAAAAAAAAA");
    assert.equal(res.status(), 404);
    assert.match(await missing.locator("h1").innerText(), /Shared code not found/);
    const bogus = await missing.goto(env.server.base + "/s/..%2F..%2Fetc");
    assert.equal(bogus.status(), 404);
    noProblems(page);
  });
});

describe("site", () => {
  test("dark mode follows the system, and the toggle sticks after a reload", async () => {
    const page = await newPage(env.browser, { colorScheme: "light" });
    await page.goto(env.server.base + "/tutorials/first-steps");
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(await bg(), "rgb(255, 255, 255)");
    // The button names the theme it switches to.
    const toggle = page.locator("#theme-toggle");
    assert.equal(await toggle.innerText(), "☾ Dark theme");
    await toggle.click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    assert.equal(await bg(), "rgb(13, 17, 23)");
    await page.reload();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    assert.equal(await bg(), "rgb(13, 17, 23)");
    assert.equal(await toggle.innerText(), "☀ Light theme");
    await editorReady(page);
    await page.locator("#first-steps-2 [data-run]").click();
    await statusText(page.locator("#first-steps-2"));
    await page.locator("#first-steps-2").scrollIntoViewIfNeeded();
    await shot(page, "dark-tutorial");

    // A system in dark mode gets the dark theme with no choice saved.
    const sys = await newPage(env.browser, { colorScheme: "dark" });
    await sys.goto(env.server.base + "/");
    assert.equal(await sys.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(13, 17, 23)");
    noProblems(page);
    noProblems(sys);
  });

  test("search finds titles and headings", async () => {
    const page = await newPage(env.browser);
    await page.goto(env.server.base + "/");
    await page.getByRole("searchbox", { name: "Search tutorials" }).fill("for loop");
    const results = page.locator("#search-results a");
    await results.first().waitFor();
    assert.equal(await results.first().innerText(), "How does a for loop work?");
    await shot(page, "search");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/tutorials\/loops-and-lists#for-loop$/);
    // Without JavaScript the form goes to /search, which the server answers.
    const res = await page.goto(env.server.base + "/search?q=first+steps");
    assert.equal(res.status(), 200);
    assert.match(await page.locator(".search-hits").innerText(), /First Steps in Python/);
    noProblems(page);
  });

  test("keyboard only: Tab indents, Esc then Tab leaves, focus is visible", async () => {
    const page = await newPage(env.browser);
    await page.goto(env.server.base + "/tutorials/first-steps");
    await editorReady(page);
    const example = page.locator("[data-example]").first();
    await example.locator(".cm-content").focus();
    await page.keyboard.press("Tab");
    assert.ok(await page.evaluate(() => document.activeElement?.classList.contains("cm-content")), "Tab stays in the editor");
    assert.match(await example.locator(".cm-line").first().innerText(), /^\s{4}print/);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
    assert.match(focused, /Run Code/, "Esc then Tab moves focus to the Run button");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, "none", "focus is visible");
    await page.keyboard.press("Enter");
    assert.match(await statusText(example), /Finished|Exited/);
    await shot(page, "keyboard-focus");
    noProblems(page);
  });

  test("without JavaScript the page reads well: highlighted code, checked output, no dead buttons", async () => {
    const page = await newPage(env.browser, { javaScriptEnabled: false });
    await page.goto(env.server.base + "/tutorials/first-steps");
    const example = page.locator("#first-steps-1");
    assert.match(await example.locator("pre[data-code]").innerText(), /print\("Hello, PyGuide!"\)/);
    assert.equal(await example.locator("pre[data-code] .tok-string").first().innerText(), '"Hello, PyGuide!"');
    assert.equal(await example.locator("[data-run]").isVisible(), false, "no Run button that cannot work");
    await example.locator(".expected summary").click();
    assert.equal((await example.locator(".expected pre").innerText()).trim(), "Hello, PyGuide!\n42");
    await shot(page, "no-javascript");
    noProblems(page);
  });

  test("375 px wide: no horizontal scroll, editor, Run and Output usable", async () => {
    const page = await newPage(env.browser, { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    for (const path of ["/", "/tutorials/first-steps", "/playground", "/search?q=loop", "/nope"]) {
      await page.goto(env.server.base + path);
      // The 404 page's own status is logged by the browser; it is expected here.
      if (path === "/nope") page.problems = page.problems.filter((p) => !p.includes("404"));
      if (path === "/tutorials/first-steps" || path === "/playground") await editorReady(page);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `${path} is ${width}px wide`);
    }
    await page.goto(env.server.base + "/tutorials/first-steps");
    await editorReady(page);
    const example = page.locator("#first-steps-2");
    await example.locator("[data-run]").tap();
    await statusText(example);
    await example.scrollIntoViewIfNeeded();
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 375, "no scroll after a run");
    await shot(page, "mobile-375");
    await page.goto(env.server.base + "/playground");
    await shot(page, "mobile-playground");
    noProblems(page);
  });
});
