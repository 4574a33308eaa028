// The learner's page, round 2, in a real browser at 1280×800 and at 375×740 (a phone): the
// Output pane (bounded, following, the running clock, in sight), autosave, offline, the guided
// path, and the small things (On this page markers, the theme button, the skip link).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { consoleText, editorReady, newPage, serverAndBrowser, shot } from "./harness.mjs";

const env = serverAndBrowser();

const WIDTHS = [
  { name: "wide", options: { viewport: { width: 1280, height: 800 } } },
  { name: "phone", options: { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true } },
];

async function setCode(page, example, code) {
  await example.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(code);
}

async function statusText(example, timeout = 15_000) {
  const status = example.locator(".output-body .status");
  await status.waitFor({ timeout });
  return status.innerText();
}

async function open(path, options) {
  const page = await newPage(env.browser, options);
  await page.goto(env.server.base + path);
  return page;
}

function noProblems(page) {
  assert.deepEqual(page.problems, [], "no console errors or CSP violations");
}

/** Whether an element's box lies inside the window (the part of the page on screen). */
function onScreen(locator) {
  return locator.evaluate((e) => {
    const r = e.getBoundingClientRect();
    return r.top >= -1 && r.bottom <= innerHeight + 1 && r.height > 0; // a pixel for rounding
  });
}

for (const { name, options } of WIDTHS) {
  describe(`the Output pane (${name})`, () => {
    test("bounded, with its own scroll, following new output; the clock while it runs", async () => {
      const page = await open("/playground", options);
      await editorReady(page);
      const example = page.locator("[data-example]").first();
      await setCode(page, example, "import time\nfor i in range(300):\n    print('line', i)\nprint('waiting', flush=True)\ntime.sleep(1.5)\nprint('done')");
      await example.locator("[data-run]").click();
      // While it runs: "Running… 0.4 s", counting up, beside the Output label.
      const clock = example.locator("[data-clock]");
      await page.waitForFunction(() => /^Running… (0\.[3-9]|[1-9]\d*\.\d) s$/.test(document.querySelector("[data-clock]")?.textContent || ""));
      assert.match(await clock.innerText(), /^Running… \d+\.\d s$/);
      await shot(page, `output-running-${name}`);
      assert.match(await statusText(example), /^Finished/);
      assert.equal(await clock.innerText(), "", "the clock goes when the run ends");
      const body = example.locator(".output-body");
      const box = await body.evaluate((b) => ({ client: b.clientHeight, scroll: b.scrollHeight, top: b.scrollTop, tab: b.tabIndex }));
      assert.ok(box.client <= 24 * 16 + 1, `bounded height (${box.client} px)`);
      assert.ok(box.scroll > box.client * 2, "the output scrolls inside the pane");
      assert.ok(box.scroll - box.top - box.client < 40, "the pane followed the output to its end");
      assert.equal(box.tab, 0, "the pane is reachable by keyboard, to scroll it");
      assert.match(await consoleText(example), /line 299\nwaiting\ndone\n$/);
      await shot(page, `output-bounded-${name}`);
      noProblems(page);
    });

    test("Run brings the Output pane into view, and the input line when the program waits", async () => {
      const page = await open("/tutorials/first-steps", options);
      await editorReady(page);
      const example = page.locator("#first-steps-1");
      // The Run button at the bottom edge of the window: its output is below, out of sight.
      await example.locator("[data-run]").evaluate((b) => window.scrollBy(0, b.getBoundingClientRect().bottom - innerHeight + 2));
      await example.locator("[data-run]").click();
      await statusText(example);
      const where = await example.locator(".output").evaluate((e) => JSON.stringify([e.getBoundingClientRect(), innerHeight]));
      assert.equal(await onScreen(example.locator(".output")), true, `the output is on screen: ${where}`);

      const play = await open("/playground", options);
      await editorReady(play);
      const ex = play.locator("[data-example]").first();
      await setCode(play, ex, "for i in range(60):\n    print(i)\nname = input('Name: ')\nprint('Hi', name)");
      await ex.locator("[data-run]").click();
      const field = ex.getByRole("textbox", { name: /Input for the program/ });
      await play.waitForFunction(() => document.querySelector("[data-example] .console")?.textContent.endsWith("Name: "));
      await play.waitForFunction(() => document.activeElement?.classList.contains("stdin-field"));
      assert.equal(await onScreen(field), true, "the input line is on screen");
      const inPane = await field.evaluate((f) => {
        const pane = f.closest(".output-body").getBoundingClientRect();
        const r = f.getBoundingClientRect();
        return r.top >= pane.top - 1 && r.bottom <= pane.bottom + 1;
      });
      assert.equal(inPane, true, "the input line is in the pane's visible part");
      await shot(play, `output-input-${name}`);
      // Time spent waiting for the learner is not running time: the clock stands still, and the
      // time reported leaves it out. Wait 1.5 s before answering.
      await play.waitForFunction(() => document.querySelector("[data-clock]").textContent === "Waiting for your input");
      await new Promise((r) => setTimeout(r, 1500));
      await field.fill("Ada");
      await field.press("Enter");
      const status = await statusText(ex);
      const m = status.match(/^Finished · exit code 0 · (\d+) ms$/);
      assert.ok(m && Number(m[1]) < 1000, `running time without the wait: ${status}`);
      noProblems(page);
      noProblems(play);
    });
  });
}

describe("limits", () => {
  test("a busy loop is stopped at a limit, named with the figure", async () => {
    const page = await open("/playground");
    await editorReady(page);
    const example = page.locator("[data-example]").first();
    await setCode(page, example, "while True:\n    pass");
    await example.locator("[data-run]").click();
    const status = await statusText(example, 30_000);
    // Which limit comes first depends on the machine's load: 5 s of CPU, or 10 s of running
    // time when other programs share the cores. Either is named, with the figure reached.
    assert.match(
      status,
      /^Stopped at the (CPU limit: the program used \d+\.\d s of CPU time, over the limit of 5 s|time limit: the program ran for 1\d\.\d s, over the limit of 10 s of running time)/,
    );
    await shot(page, "output-cpu-limit");
    noProblems(page);
  });
});

for (const { name, options } of WIDTHS) {
  describe(`autosave (${name})`, () => {
    test("an edit comes back after a reload, marked edited; Reset restores and clears the output", async () => {
      const page = await open("/tutorials/first-steps", options);
      await editorReady(page);
      const example = page.locator("#first-steps-1");
      const mark = example.locator(".edited-mark");
      assert.equal(await mark.isVisible(), false, "no mark on the original code");
      await setCode(page, example, 'print("my own version")');
      await mark.waitFor();
      await example.locator("[data-run]").click();
      assert.match(await statusText(example), /^Finished/);
      await page.reload();
      await editorReady(page);
      assert.equal(await example.locator(".cm-content").innerText(), 'print("my own version")');
      assert.equal(await mark.isVisible(), true);
      await example.locator("[data-run]").click();
      await statusText(example);
      await example.scrollIntoViewIfNeeded();
      await shot(page, `autosave-edited-${name}`);
      await example.getByRole("button", { name: "Reset the code to the original" }).click();
      assert.equal(await example.locator(".cm-content").innerText(), 'print("Hello, PyGuide!")\nprint(6 * 7)');
      assert.equal(await mark.isVisible(), false);
      assert.equal(await example.locator(".output-body").innerText(), 'Click "Run Code" to see the output', "the old output is gone");
      await page.reload();
      await editorReady(page);
      assert.equal(await example.locator(".cm-content").innerText(), 'print("Hello, PyGuide!")\nprint(6 * 7)');
      noProblems(page);
    });

    test("an edit of an older version of the example is offered, not loaded", async () => {
      const page = await newPage(env.browser, options);
      // What a browser holds after editing this example before its author changed it: the
      // hash is of other original code.
      await page.context().addInitScript(() => {
        if (localStorage.getItem("pyguide.code.v2")) return;
        const code = { "/tutorials/first-steps#first-steps-1": { hash: "0badc0de", code: 'print("old edit")', at: 1 } };
        localStorage.setItem("pyguide.code.v2", JSON.stringify({ schema: 2, code }));
      });
      await page.goto(env.server.base + "/tutorials/first-steps");
      await editorReady(page);
      const example = page.locator("#first-steps-1");
      assert.equal(await example.locator(".cm-content").innerText(), 'print("Hello, PyGuide!")\nprint(6 * 7)', "the new code is shown");
      const offer = example.locator(".stale-offer");
      assert.match(await offer.innerText(), /This example changed since you edited it/);
      await offer.scrollIntoViewIfNeeded();
      await shot(page, `autosave-stale-${name}`);
      await offer.getByRole("button", { name: "Use my edit" }).click();
      assert.equal(await example.locator(".cm-content").innerText(), 'print("old edit")');
      assert.equal(await offer.count(), 0);
      const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("pyguide.code.v2")));
      assert.equal(stored.schema, 2, "the stored data has a schema version");
      assert.notEqual(stored.code["/tutorials/first-steps#first-steps-1"].hash, "0badc0de", "kept as an edit of today's code");
      noProblems(page);
    });
  });
}

describe("export and import", () => {
  test("progress and saved code move to another browser as one JSON file", async () => {
    const page = await newPage(env.browser, { acceptDownloads: true });
    await page.goto(env.server.base + "/tutorials/first-steps");
    await editorReady(page);
    await setCode(page, page.locator("#first-steps-1"), 'print("moved")');
    await page.evaluate(() => localStorage.setItem("pyguide.progress.v1", JSON.stringify({ done: { "practice/ex-shout": Date.now() } })));
    await page.goto(env.server.base + "/");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export progress" }).click();
    const file = await (await download).path();
    const doc = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(doc.pyguide, "progress");
    assert.equal(doc.schema, 2);
    assert.ok(doc.progress.done["practice/ex-shout"]);
    assert.equal(doc.code["/tutorials/first-steps#first-steps-1"].code, 'print("moved")');

    const other = await newPage(env.browser);
    await other.goto(env.server.base + "/");
    assert.equal(await other.locator("[data-progress-total]").innerText(), "0 of 3 exercises done");
    await other.locator("[data-progress-import]").setInputFiles(file);
    await other.getByText("Imported: 1 new exercise mark, 1 saved edit.").waitFor();
    assert.equal(await other.locator("[data-progress-total]").innerText(), "1 of 3 exercises done");
    await shot(other, "progress-imported");
    await other.locator("[data-progress-import]").setInputFiles({ name: "x.json", mimeType: "application/json", buffer: Buffer.from("{nope") });
    await other.getByText("This file is not a PyGuide progress file (it is not JSON).").waitFor();
    await other.goto(env.server.base + "/tutorials/first-steps");
    await editorReady(other);
    assert.equal(await other.locator("#first-steps-1 .cm-content").innerText(), 'print("moved")');
    noProblems(page);
    noProblems(other);
  });
});

for (const { name, options } of WIDTHS) {
  describe(`offline (${name})`, () => {
    test("the page says \"You're offline\" and nothing else, and nothing stale after reconnecting", async () => {
      const page = await open("/tutorials/first-steps", options);
      await editorReady(page);
      const example = page.locator("#first-steps-1");
      await page.context().setOffline(true);
      const notice = page.locator("#net-status");
      await notice.waitFor();
      assert.equal(await notice.innerText(), "You're offline");
      await example.locator("[data-run]").click();
      assert.equal(await example.locator(".output-body").innerText(), "You're offline");
      await example.getByRole("button", { name: "Share a link to this code" }).click();
      await example.locator(".share-box .stderr").waitFor();
      assert.equal(await example.locator(".share-box").innerText(), "You're offline");
      assert.doesNotMatch(await page.locator("body").innerText(), /Failed to fetch|NetworkError|connection to the server was lost/i);
      await shot(page, `offline-${name}`);
      await page.context().setOffline(false);
      await notice.waitFor({ state: "detached" });
      assert.equal(await example.locator(".output-body").innerText(), 'Click "Run Code" to see the output');
      assert.doesNotMatch(await page.locator("body").innerText(), /offline/i, "no stale message");
      await example.locator("[data-run]").click();
      assert.match(await statusText(example), /^Finished/);
      // The share request failed in the browser while offline; nothing else went wrong.
      assert.deepEqual(page.problems.filter((p) => !p.includes("ERR_INTERNET_DISCONNECTED")), []);
    });
  });
}

for (const { name, options } of WIDTHS) {
  describe(`the guided path (${name})`, () => {
    test("Start here, then Continue; Next at the end of each tutorial; progress in the sidebar", async () => {
      const page = await open("/", options);
      const guide = page.locator("[data-guide]");
      assert.equal(await guide.innerText(), "Start here: First Steps in Python");
      assert.equal(await guide.locator("a").getAttribute("href"), "/tutorials/first-steps");
      assert.equal(await page.getByRole("button", { name: "Reset progress" }).isVisible(), false, "nothing to reset at 0");
      await shot(page, `guide-start-${name}`);

      await page.goto(env.server.base + "/tutorials/first-steps");
      const next = page.locator(".next-step");
      assert.match(await next.innerText(), /^Next: /);
      await page.goto(env.server.base + "/tutorials/practice");
      assert.equal(await page.locator(".next-step a").innerText(), "Next: the Playground", "the last tutorial too");
      await page.evaluate(() => {
        const p = JSON.parse(localStorage.getItem("pyguide.progress.v1"));
        p.done = { "practice/ex-shout": Date.now() };
        localStorage.setItem("pyguide.progress.v1", JSON.stringify(p));
      });
      await page.reload();
      const item = page.locator('.nav-item:has(a[href="/tutorials/practice"])');
      assert.equal(await item.locator("[data-progress]").textContent(), "1/3"); // folded away on a phone
      assert.equal(await item.locator("[data-progress]").getAttribute("aria-label"), "1 of 3 exercises done");
      await page.locator(".next-step").scrollIntoViewIfNeeded();
      await shot(page, `guide-next-${name}`);

      await page.goto(env.server.base + "/");
      assert.equal(await guide.innerText(), "Continue: Practice: Strings and Input — exercise 2 of 3");
      assert.match(await guide.locator("a").getAttribute("href"), /^\/tutorials\/practice#ex-/);
      assert.equal(await page.getByRole("button", { name: "Reset progress" }).isVisible(), true);
      await shot(page, `guide-continue-${name}`);
      noProblems(page);
    });

    test("the home page does not shift as the progress loads (CLS ≤ 0.02)", async () => {
      const page = await newPage(env.browser, options);
      await page.context().addInitScript(() => {
        localStorage.setItem("pyguide.progress.v1", JSON.stringify({ done: { "practice/ex-shout": 1 }, last: { slug: "practice", at: 1 } }));
        window.__cls = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
        }).observe({ type: "layout-shift", buffered: true });
      });
      await page.goto(env.server.base + "/", { waitUntil: "load" });
      await page.locator(".guide.continuing").waitFor();
      // Two frames after the script's changes: any shift they caused is recorded by then.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const cls = await page.evaluate(() => window.__cls);
      assert.ok(cls <= 0.02, `CLS ${cls}`);
      noProblems(page);
    });
  });
}

for (const { name, options } of WIDTHS) {
  describe(`small things (${name})`, () => {
    test("On this page markers fit, the theme button names its theme, the first editor in 3 keys", async () => {
      const page = await open("/tutorials/first-steps", { ...options, colorScheme: "light" });
      // A two-digit marker ("10.") fits in the list's indent.
      const fits = await page.locator(".toc").evaluate((toc) => {
        const probe = document.createElement("span");
        probe.textContent = "10. ";
        toc.querySelector("li").append(probe);
        const w = probe.getBoundingClientRect().width;
        probe.remove();
        return parseFloat(getComputedStyle(toc).paddingLeft) >= w;
      });
      assert.equal(fits, true, "the markers are not clipped");

      const toggle = page.locator("#theme-toggle");
      assert.equal(await toggle.innerText(), "☾ Dark theme");
      await toggle.click();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
      assert.equal(await toggle.innerText(), "☀ Light theme");
      await toggle.click();

      // Tab, Tab, Enter: the skip link to the first editor, and the focus is in it.
      await page.goto(env.server.base + "/tutorials/first-steps");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to the first editor");
      await shot(page, `skip-link-${name}`);
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => document.activeElement?.classList.contains("cm-content"));
      assert.equal(await page.evaluate(() => document.activeElement.closest("[data-example]").id), "first-steps-1");
      // A page that starts with an exercise: its editor.
      await page.goto(env.server.base + "/tutorials/practice");
      for (const key of ["Tab", "Tab", "Enter"]) await page.keyboard.press(key);
      await page.waitForFunction(() => document.activeElement?.closest("[data-exercise] .cm-editor"));
      noProblems(page);
    });
  });
}
