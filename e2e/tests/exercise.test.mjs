// Exercises in a real browser, on the fixture page /tutorials/practice (three exercises: hidden
// checks with two hints, an expected output read from stdin, visible checks): Check, feedback,
// hints one at a time, the solution, progress kept in localStorage, the home page's marks and
// Reset progress, the no-JavaScript view, a busy server, limits, 375 px and dark mode.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { newPage, serverAndBrowser, shot } from "./harness.mjs";

const env = serverAndBrowser();

const SHOUT = 'def shout(word):\n    return word.upper() + "!"';
const DOUBLE = "def double(n):\n    return n * 2";

function noProblems(page) {
  assert.deepEqual(page.problems, [], "no console errors or CSP violations");
}

/** Opens the practice page and waits until its three exercises have editors. */
async function practice(options) {
  const page = await newPage(env.browser, options);
  await page.goto(env.server.base + "/tutorials/practice");
  await exercisesReady(page);
  return page;
}

async function exercisesReady(page) {
  await page.waitForFunction(() => document.querySelectorAll("[data-exercise] .cm-editor").length === 3, null, { timeout: 15_000 });
}

/** Replaces an exercise's code by typing over it, as a learner would. */
async function setCode(page, exercise, code) {
  await exercise.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(code);
}

/** Presses Check and waits for the verdict; its text. */
async function check(exercise) {
  await exercise.getByRole("button", { name: "Check", exact: true }).click();
  return verdict(exercise);
}

async function verdict(exercise) {
  const v = exercise.locator(".exercise-feedback .verdict:not(.verdict-pending)");
  await v.waitFor({ timeout: 15_000 });
  return v.innerText();
}

describe("exercises", () => {
  test("solve an exercise: the checks pass and it is marked Completed", async () => {
    const page = await practice();
    const ex = page.locator("#ex-shout");
    assert.equal(await ex.locator("[data-exercise-done]").isVisible(), false);
    assert.equal(await page.locator(".exercise-progress").innerText(), "Exercises: 0 of 3 done");
    await setCode(page, ex, SHOUT);
    assert.match(await check(ex), /Passed\. Well done: all 2 checks passed\.$/);
    const checks = ex.locator(".checks li");
    assert.equal(await checks.count(), 2);
    assert.deepEqual(await ex.locator(".checks li.check-pass .check-name").allInnerTexts(), ["shout('hi')", "an empty word"]);
    assert.equal(await ex.locator(".checks li.check-fail").count(), 0);
    // ✓ is text, not only colour (and screen readers hear "Passed:").
    assert.match(await checks.first().textContent(), /^✓Passed: shout\('hi'\)$/);
    assert.equal(await ex.locator("[data-exercise-done]").innerText(), "Completed ✓");
    assert.equal(await page.locator(".exercise-progress").innerText(), "Exercises: 1 of 3 done");
    assert.equal(await ex.locator(".exercise-feedback").getAttribute("aria-live"), "polite");
    await ex.scrollIntoViewIfNeeded();
    await shot(page, "exercise-passed");
    noProblems(page);
  });

  test("a wrong answer (Ctrl+Enter): the failed check, expected and got; the hidden checks stay hidden", async () => {
    const page = await practice();
    const ex = page.locator("#ex-shout");
    await ex.locator(".cm-content").click();
    await page.keyboard.press("Control+Enter");
    assert.match(await verdict(ex), /Not yet\. 2 of 2 checks failed\. First: shout\('hi'\): expected 'HI!', got 'hi'\./);
    const failed = ex.locator(".checks li.check-fail").first();
    assert.equal(await failed.locator(".check-name").innerText(), "shout('hi')");
    assert.match(await failed.textContent(), /^✗Failed: /);
    assert.deepEqual(await failed.locator("dt").allInnerTexts(), ["Expected", "Got"]);
    assert.deepEqual(await failed.locator("dd").allInnerTexts(), ["'HI!'", "'hi'"]);
    assert.equal(await ex.locator("[data-exercise-done]").isVisible(), false);
    // Neither the page nor the feedback carries the hidden checks' source.
    const html = await page.content();
    assert.ok(!html.includes("SECRET_WORDS"), "the hidden check's source is not in the page");
    assert.equal(await ex.locator(".check-source").count(), 0);
    // After an attempt, the solution is one click away.
    await ex.getByRole("button", { name: "Show solution" }).click();
    assert.equal(await ex.locator("[data-solution]").isVisible(), true);
    assert.match(await ex.locator("[data-solution] pre").innerText(), /word\.upper\(\) \+ "!"/);
    await ex.scrollIntoViewIfNeeded();
    await shot(page, "exercise-failed");
    noProblems(page);
  });

  test("hints are revealed one at a time, in order; the solution needs a second click before an attempt", async () => {
    const page = await practice();
    const ex = page.locator("#ex-shout");
    const hints = ex.locator("details.hint");
    assert.equal(await hints.count(), 2);
    assert.equal(await hints.nth(0).isVisible(), false);
    assert.equal(await hints.nth(1).isVisible(), false);
    const hintButton = ex.getByRole("button", { name: "Show hint 1 of 2" });
    await hintButton.click();
    assert.equal(await hints.nth(0).isVisible(), true);
    assert.match(await hints.nth(0).innerText(), /Hint 1 of 2\s+Strings have an \.upper\(\) method\./);
    assert.equal(await hints.nth(1).isVisible(), false, "only the first hint after one click");
    await ex.getByRole("button", { name: "Show hint 2 of 2" }).click();
    assert.equal(await hints.nth(1).isVisible(), true);
    assert.match(await hints.nth(1).innerText(), /word\.upper\(\) \+ "!"/);
    assert.equal(await ex.locator(".hint-button").isVisible(), false, "no button once every hint is shown");

    // Before any Check, the first click on Show solution asks; the second shows it.
    const solution = ex.locator("[data-solution]");
    await ex.getByRole("button", { name: "Show solution" }).click();
    assert.equal(await solution.isVisible(), false);
    assert.match(await ex.locator(".solution-note").innerText(), /Trying first helps you learn/);
    const confirm = ex.getByRole("button", { name: "Yes, show the solution" });
    assert.equal(await confirm.evaluate((b) => b === document.activeElement), true, "the focus stays on the button");
    await page.keyboard.press("Enter");
    assert.equal(await solution.isVisible(), true);
    assert.equal(await solution.getAttribute("open"), "");
    await ex.scrollIntoViewIfNeeded();
    await shot(page, "exercise-hints");
    noProblems(page);
  });

  test("an output exercise shows expected against got, and what the program printed", async () => {
    const page = await practice();
    const ex = page.locator("#ex-greet");
    assert.match(await check(ex), /Not yet\. The output is not what was asked/);
    assert.equal(await ex.locator(".output-check .check").textContent(), "✗Failed: The output differs from what was asked:");
    assert.deepEqual(await ex.locator(".diff .del").allTextContents(), ["- Hello, Ada!\n", "- Bye!\n"]);
    assert.deepEqual(await ex.locator(".diff .ins").allTextContents(), ["+ Hello\n"]);
    assert.equal(await ex.locator(".exercise-feedback .console").innerText(), "Hello\n");
    await setCode(page, ex, 'name = input()\nprint(f"Hello, {name}!")\nprint("Bye!")');
    assert.match(await check(ex), /Passed\. Well done: your program prints exactly what was asked\./);
    assert.equal(await ex.locator("[data-exercise-done]").isVisible(), true);
    await ex.scrollIntoViewIfNeeded();
    await shot(page, "exercise-output");
    noProblems(page);
  });

  test("visible checks: their source is on the page and in the feedback", async () => {
    const page = await practice();
    const ex = page.locator("#ex-double");
    await ex.locator(".exercise-checks summary").click();
    assert.match(await ex.locator(".exercise-checks pre").innerText(), /assert double\(2\) == 4, "double\(2\)"/);
    assert.match(await check(ex), /1 of 2 checks failed\. First: double\(2\): expected 4, got 2\./);
    assert.match(await ex.locator(".check-fail .check-source").innerText(), /^assert double\(2\) == 4, "double\(2\)"$/);
    noProblems(page);
  });

  test("an error in the learner's code is shown with its line, highlighted in the editor", async () => {
    const page = await practice();
    const ex = page.locator("#ex-shout");
    await setCode(page, ex, "def shout(word):\n    return word\n\nprint(undefined_name)");
    assert.match(await check(ex), /Your code raised NameError: name 'undefined_name' is not defined \(main\.py, line 4\) before the checks could run\./);
    assert.match(await ex.locator(".error-box").innerText(), /NameError: name 'undefined_name' is not defined .*line 4 of your code/);
    assert.equal(await ex.locator(".cm-error-line").innerText(), "print(undefined_name)");
    assert.match(await ex.locator(".exercise-feedback .console .stderr").innerText(), /^Traceback \(most recent call last\):[\s\S]*NameError/);
    noProblems(page);
  });

  test("a busy server and a limit are said in plain words", async () => {
    const page = await practice();
    const ex = page.locator("#ex-shout");
    // Busy once: the page says so, counts down, and checks again by itself.
    await page.route(
      "**/api/exercise",
      (route) =>
        route.fulfill({ status: 503, headers: { "Retry-After": "1" }, contentType: "application/json", body: '{"error":"busy"}' }),
      { times: 1 },
    );
    await ex.getByRole("button", { name: "Check", exact: true }).click();
    const busy = ex.locator(".exercise-feedback .status-busy");
    await busy.waitFor({ timeout: 15_000 });
    assert.match(await busy.innerText(), /^Busy: checking again in 1 s…$/);
    assert.equal(await ex.locator(".exercise-feedback .verdict-error").count(), 0, "no bare error");
    assert.match(await verdict(ex), /Passed|Not yet/);
    page.problems = page.problems.filter((p) => !p.includes("503"));
    await setCode(page, ex, "while True:\n    print('x' * 1000)");
    await ex.getByRole("button", { name: "Check", exact: true }).click();
    const limited = ex.locator(".exercise-feedback .verdict", { hasText: "Not checked." });
    await limited.waitFor({ timeout: 20_000 });
    assert.match(await limited.innerText(), /Not checked\. .*output limit of 1 MiB/);
    assert.match(await ex.locator(".exercise-feedback .status").innerText(), /^Checked in \d+ ms$/);
    noProblems(page);
  });
});

describe("progress", () => {
  test("kept after a reload, shown on the home page, and Reset progress clears it", async () => {
    const page = await practice();
    await setCode(page, page.locator("#ex-shout"), SHOUT);
    await check(page.locator("#ex-shout"));
    await setCode(page, page.locator("#ex-double"), DOUBLE);
    await check(page.locator("#ex-double"));
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("pyguide.progress.v1")));
    assert.deepEqual(Object.keys(stored.done).sort(), ["practice/ex-double", "practice/ex-shout"]);
    assert.ok(stored.done["practice/ex-shout"] > 1.7e12, "a timestamp");

    // After a reload: the marks, the count at the top, and the learner's code are back.
    await page.reload();
    await exercisesReady(page);
    assert.equal(await page.locator("#ex-shout [data-exercise-done]").isVisible(), true);
    assert.equal(await page.locator("#ex-double [data-exercise-done]").isVisible(), true);
    assert.equal(await page.locator("#ex-greet [data-exercise-done]").isVisible(), false);
    const top = page.locator(".exercise-progress a");
    assert.equal(await top.innerText(), "Exercises: 2 of 3 done");
    assert.equal(await top.getAttribute("href"), "#exercises");
    assert.equal(await page.locator("#ex-shout .cm-content").innerText(), SHOUT, "the edited code is kept");
    // Reset (the button) goes back to the starter, and forgets the saved code.
    await page.locator("#ex-shout").getByRole("button", { name: "Reset the code to the starter" }).click();
    assert.equal(await page.locator("#ex-shout .cm-content").innerText(), "def shout(word):\n    return word");

    // The home page: per tutorial and overall.
    await page.goto(env.server.base + "/");
    const card = page.locator('.tutorial-card[data-slug="practice"]');
    assert.equal(await card.locator("[data-progress]").innerText(), "2/3 exercises done");
    assert.equal(await page.locator("[data-progress-total]").innerText(), "2 of 3 exercises done");
    assert.equal(await page.locator('.tutorial-card[data-slug="first-steps"] [data-progress]').count(), 0, "no mark without exercises");
    await shot(page, "progress-home");

    // Reset progress asks first; Cancel keeps everything.
    await page.getByRole("button", { name: "Reset progress" }).click();
    const yes = page.getByRole("button", { name: "Yes, reset my progress" });
    assert.equal(await yes.evaluate((b) => b === document.activeElement), true, "the focus moves to the confirmation");
    await page.getByRole("button", { name: "Cancel" }).click();
    assert.equal(await page.locator("[data-progress-total]").innerText(), "2 of 3 exercises done");
    assert.equal(await page.getByRole("button", { name: "Reset progress" }).evaluate((b) => b === document.activeElement), true);
    await page.getByRole("button", { name: "Reset progress" }).click();
    await yes.click();
    assert.equal(await page.locator("[data-progress-total]").innerText(), "0 of 3 exercises done");
    assert.equal(await card.locator("[data-progress]").innerText(), "0/3 exercises done");
    assert.equal(await page.locator(".progress-note").innerText(), "Progress reset.");
    assert.equal(await page.evaluate(() => localStorage.getItem("pyguide.progress.v1")), null);

    await page.goto(env.server.base + "/tutorials/practice");
    await exercisesReady(page);
    assert.equal(await page.locator("#ex-shout [data-exercise-done]").isVisible(), false);
    assert.equal(await page.locator(".exercise-progress a").innerText(), "Exercises: 0 of 3 done");
    noProblems(page);
  });
});

describe("exercise pages", () => {
  test("without JavaScript: prompt, starter, hints and solution in <details>, no hidden checks", async () => {
    const page = await newPage(env.browser, { javaScriptEnabled: false });
    await page.goto(env.server.base + "/tutorials/practice");
    const ex = page.locator("#ex-shout");
    assert.match(await ex.locator("pre[data-code]").innerText(), /def shout\(word\):/);
    assert.deepEqual(await ex.locator("details.hint summary").allInnerTexts(), ["Hint 1 of 2", "Hint 2 of 2"]);
    await ex.locator("details.hint summary").first().click();
    assert.match(await ex.locator("details.hint").first().innerText(), /Strings have an/);
    await ex.locator("[data-solution] summary").click();
    assert.match(await ex.locator("[data-solution] pre").innerText(), /word\.upper\(\)/);
    assert.equal(await page.getByRole("button", { name: "Check" }).count(), 0, "no Check button that cannot work");
    assert.equal(await page.locator(".exercise-progress a").innerText(), "3 exercises on this page");
    assert.ok(!(await page.content()).includes("SECRET_WORDS"));
    await page.goto(env.server.base + "/");
    assert.equal(await page.locator("[data-progress-panel]").isVisible(), false, "no progress panel without JavaScript");
    noProblems(page);
  });

  test("375 px and dark mode: the feedback fits the screen and reads well", async () => {
    const page = await practice({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, colorScheme: "dark" });
    const ex = page.locator("#ex-shout");
    await ex.getByRole("button", { name: "Show hint 1 of 2" }).tap();
    await setCode(page, ex, 'def shout(word):\n    return word.lower() + "?" * 40');
    await ex.getByRole("button", { name: "Check", exact: true }).tap();
    await verdict(ex);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `the page is ${width}px wide`);
    const bg = await ex.locator(".exercise-feedback").evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.equal(bg, "rgb(21, 27, 35)", "the dark panel colour");
    await ex.locator(".exercise-feedback").scrollIntoViewIfNeeded();
    await shot(page, "exercise-375-dark");
    await page.goto(env.server.base + "/");
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 375, "the home page fits");
    noProblems(page);
  });
});
