// "Under the hood" in a real browser: the lazily loaded panel, its four tabs (Tokens, AST,
// Bytecode, Execution) linked to the editor both ways, the heap with arrows and the garbage
// collector, the 1000-step cap, syntax errors in every view, keyboard use and no CSP errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { editorReady, newPage, serverAndBrowser, shot } from "./harness.mjs";

const env = serverAndBrowser();

const CYCLE = `import gc

class Node:
    def __init__(self, name):
        self.name = name
        self.next = None

def make_pair():
    a = Node("a")
    b = Node("b")
    a.next = b
    b.next = a
    return a

x = make_pair()
nums = [n * n for n in range(3)]
print(nums)
del x
print(gc.collect() >= 2)`;

async function setCode(page, example, code) {
  await example.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(code);
}

/** The playground with `code`, its Under the hood panel open on `tab`. */
async function opened(code, tab) {
  const page = await newPage(env.browser);
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(env.server.base + "/playground");
  await editorReady(page);
  const example = page.locator("[data-example]").first();
  await setCode(page, example, code);
  await example.getByRole("button", { name: "Under the hood" }).click();
  const panel = example.getByRole("region", { name: /^Under the hood/ });
  await panel.locator(".uth-status").filter({ hasText: /tokens|Error|not available/ }).waitFor({ timeout: 15_000 });
  if (tab) await panel.getByRole("tab", { name: tab }).click();
  return { page, example, panel, requests };
}

/** The text the editor highlights (a mark can be split over several spans). */
async function highlighted(example, cls = ".cm-uth-hl") {
  return (await example.locator(`.cm-content ${cls}`).allInnerTexts()).join("");
}

/** Moves the editor's cursor to line `line`, column `col` with the keyboard. */
async function cursorTo(page, example, line, col) {
  await example.locator(".cm-content").click();
  const lines = await example.locator(".cm-line").count();
  for (let i = 0; i < lines; i++) await page.keyboard.press("ArrowUp");
  // Up from line 1 goes to column 0; Down keeps that column.
  for (let i = 1; i < line; i++) await page.keyboard.press("ArrowDown");
  for (let i = 0; i < col; i++) await page.keyboard.press("ArrowRight");
}

function noProblems(page) {
  assert.deepEqual(page.problems, [], "no console errors or CSP violations");
}

describe("under the hood", () => {
  test("every example has the button; the panel loads only when asked", async () => {
    const page = await newPage(env.browser);
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(env.server.base + "/tutorials/first-steps");
    await editorReady(page);
    const examples = page.locator("[data-example]");
    const buttons = page.getByRole("button", { name: "Under the hood" });
    assert.equal(await buttons.count(), await examples.count());
    assert.ok(requests.some((u) => /\/static\/editor\.[0-9a-f]+\.js$/.test(u)));
    assert.ok(!requests.some((u) => /inspect\./.test(u)), "inspect.js and inspect.css are not part of the page load");
    const first = buttons.first();
    assert.equal(await first.getAttribute("aria-expanded"), "false");
    await first.click();
    assert.equal(await first.getAttribute("aria-expanded"), "true");
    const panel = examples.first().getByRole("region", { name: /^Under the hood/ });
    await panel.getByRole("tab", { name: "Tokens" }).waitFor();
    assert.ok(requests.some((u) => /\/static\/inspect\.[0-9a-f]+\.js$/.test(u)));
    assert.ok(requests.some((u) => /\/static\/inspect\.[0-9a-f]+\.css$/.test(u)));
    assert.ok(requests.some((u) => u.endsWith("/api/inspect")));
    // The button hides the panel again.
    await first.click();
    assert.equal(await panel.isVisible(), false);
    noProblems(page);
  });

  test("tabs: one selected at a time, arrows move between them", async () => {
    const { page, panel } = await opened("print('hi')");
    const tabs = panel.getByRole("tab");
    assert.deepEqual(await tabs.allInnerTexts(), ["Tokens", "AST", "Bytecode", "Execution"]);
    assert.equal(await panel.getByRole("tab", { name: "Tokens" }).getAttribute("aria-selected"), "true");
    await panel.getByRole("tab", { name: "Tokens" }).focus();
    await page.keyboard.press("ArrowRight");
    const ast = panel.getByRole("tab", { name: "AST" });
    assert.equal(await ast.getAttribute("aria-selected"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "AST");
    assert.equal(await panel.getByRole("tabpanel", { name: "AST" }).isVisible(), true);
    assert.equal(await panel.getByRole("tabpanel", { name: "Tokens" }).isVisible(), false);
    await page.keyboard.press("End");
    assert.equal(await panel.getByRole("tab", { name: "Execution" }).getAttribute("aria-selected"), "true");
    await page.keyboard.press("ArrowRight");
    assert.equal(await panel.getByRole("tab", { name: "Tokens" }).getAttribute("aria-selected"), "true");
    noProblems(page);
  });

  test("Tokens: the table, and hovering or focusing a token highlights it in the code", async () => {
    const { page, example, panel } = await opened("total = price * 2  # é\nprint(total)", "Tokens");
    const rows = panel.locator(".uth-tokens tbody tr");
    assert.ok((await rows.count()) >= 12);
    assert.deepEqual(await rows.nth(0).locator("td").allInnerTexts(), ["0", "NAME", "total", "1:0", "1:5"]);
    assert.deepEqual((await rows.nth(3).locator("td").allInnerTexts()).slice(1, 3), ["STAR", "*"]);
    await rows.nth(3).hover();
    assert.equal(await highlighted(example), "*");
    await rows.nth(2).hover();
    assert.equal(await highlighted(example), "price");
    // The comment after a non-ASCII letter: columns are characters, the highlight is exact.
    const comment = rows.filter({ hasText: "COMMENT" });
    await comment.hover();
    assert.equal(await highlighted(example), "# é");
    // Keyboard: the first row takes the focus, arrows move it and the highlight follows.
    await rows.nth(0).focus();
    assert.equal(await highlighted(example), "total");
    await page.keyboard.press("ArrowDown");
    assert.equal(await highlighted(example), "=");
    // The cursor in the code marks its token's row.
    await cursorTo(page, example, 2, 2);
    await panel.locator(".uth-tokens tr.uth-current").filter({ hasText: "print" }).waitFor();
    await shot(page, "uth-tokens");
    noProblems(page);
  });

  test("AST: a tree with ast's names; a node selects its code, the cursor selects its node", async () => {
    const code = "def area(w, h):\n    return w * h\n\nprint(area(3, 4))";
    const { page, example, panel } = await opened(code, "AST");
    const tree = panel.getByRole("tree", { name: "Abstract syntax tree" });
    const root = tree.getByRole("treeitem").first();
    assert.equal(await root.getAttribute("aria-label"), "Module");
    assert.equal(await root.getAttribute("aria-expanded"), "true");
    const fn = tree.getByRole("treeitem", { name: "body[0] FunctionDef name='area'" });
    assert.equal(await fn.getAttribute("aria-expanded"), "false");
    await fn.locator(".uth-row").first().click();
    assert.equal(await fn.getAttribute("aria-selected"), "true");
    assert.equal(await fn.getAttribute("aria-expanded"), "true");
    assert.equal(await highlighted(example), "def area(w, h):    return w * h");
    // Keyboard: Down goes into the function's fields, Right opens, Left goes back up.
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "name 'area'");
    await page.keyboard.press("ArrowDown");
    const args = tree.getByRole("treeitem", { name: "args arguments" });
    assert.equal(await args.getAttribute("aria-selected"), "true");
    await page.keyboard.press("ArrowRight");
    assert.equal(await args.getAttribute("aria-expanded"), "true");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await args.getAttribute("aria-expanded"), "false");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await fn.getAttribute("aria-selected"), "true");
    // The cursor on `h` in `w * h` selects the innermost node: the Name h.
    await cursorTo(page, example, 2, 16);
    const selected = tree.locator("[role=treeitem][aria-selected=true]");
    await page.waitForFunction(() => document.querySelector(".uth-tree [aria-selected=true]")?.getAttribute("aria-label")?.includes("id='h'"));
    assert.match(await selected.getAttribute("aria-label"), /^right Name id='h', ctx=Load\(\)$/);
    assert.equal(await highlighted(example), "h");
    await cursorTo(page, example, 4, 11);
    await page.waitForFunction(() => document.querySelector(".uth-tree [aria-selected=true]")?.getAttribute("aria-label")?.includes("value=3"));
    assert.equal(await highlighted(example), "3");
    await shot(page, "uth-ast");
    noProblems(page);
  });

  test("Bytecode: every code object by source line, the version, and hover linking both ways", async () => {
    const code = "def square(n):\n    return n * n\n\nsquares = [square(i) for i in range(3)]\nprint(squares)";
    const { page, example, panel } = await opened(code, "Bytecode");
    const pane = panel.getByRole("tabpanel", { name: "Bytecode" });
    assert.match(await pane.locator(".uth-lead").innerText(), /^CPython 3\.\d+\.\d+ compiled the tree into \d+ code objects/);
    assert.match(await panel.locator(".uth-version").innerText(), /^CPython 3\./);
    const titles = await pane.locator(".uth-code-title code").allInnerTexts();
    assert.equal(titles[0], "<module>");
    assert.ok(titles.includes("square"), titles.join(", "));
    // Instructions of line 2 (`return n * n`), in square's code object.
    const group = pane.locator(".uth-group[data-line='2']").first();
    assert.match(await group.locator(".uth-group-line").innerText(), /line 2\s+return n \* n/);
    const ops = await group.locator(".uth-op").allInnerTexts();
    assert.ok(ops.some((o) => /^(BINARY_OP|BINARY_MULTIPLY)$/.test(o)), ops.join(" "));
    assert.ok(ops.includes("RETURN_VALUE") || ops.includes("RETURN_LOCAL") || ops.some((o) => o.startsWith("RETURN")), ops.join(" "));
    // Hover an instruction: its line lights up in the code.
    await group.locator("tr").first().hover();
    assert.equal(await highlighted(example, ".cm-uth-hl-line"), "    return n * n");
    // Hover a line of the code: its instructions light up.
    await example.locator(".cm-line").nth(4).hover();
    await pane.locator(".uth-group.uth-linked").first().waitFor();
    const linked = await pane.locator(".uth-group.uth-linked").evaluateAll((gs) => gs.map((g) => g.dataset.line));
    assert.ok(linked.length >= 1 && linked.every((l) => l === "5"), linked.join());
    // Keyboard: instructions are reachable and focusing one links its line.
    await pane.locator(".uth-ins tr").first().focus();
    await page.keyboard.press("ArrowDown");
    assert.ok((await highlighted(example, ".cm-uth-hl-line")).length > 0);
    await shot(page, "uth-bytecode");
    noProblems(page);
  });

  test("Execution: steps, the current line, frames and locals, objects with arrows, output so far", async () => {
    const code = "def fact(n):\n    if n <= 1:\n        return 1\n    return n * fact(n - 1)\n\nitems = [1, 2]\nprint(fact(3), items)";
    const { page, example, panel } = await opened(code, "Execution");
    const pane = panel.getByRole("tabpanel", { name: "Execution" });
    const counter = pane.locator(".uth-counter");
    assert.match(await counter.innerText(), /^Step 1 of \d+$/);
    const total = Number((await counter.innerText()).match(/of (\d+)/)[1]);
    const slider = pane.getByRole("slider", { name: "Step" });
    assert.equal(await slider.getAttribute("max"), String(total - 1));
    const fwd = pane.getByRole("button", { name: "Forward", exact: true });
    const back = pane.getByRole("button", { name: "Back", exact: true });
    assert.equal(await back.isDisabled(), true);
    // Step until the deepest call: three frames of fact below the module.
    for (let i = 0; i < total && (await pane.locator(".uth-frame").count()) < 4; i++) await fwd.click();
    const frames = pane.locator(".uth-frame");
    assert.equal(await frames.count(), 4);
    assert.match(await frames.nth(0).innerText(), /^Global frame/);
    assert.match(await frames.nth(3).innerText(), /^fact/);
    assert.match(await frames.nth(3).locator("tr").first().innerText(), /^n\s+1$/);
    assert.match(await frames.nth(1).locator("tr").first().innerText(), /^n\s+3$/);
    // The current line is highlighted in the code, and in the panel's own listing.
    const line = Number(await pane.locator(".uth-event").getAttribute("data-line"));
    assert.equal(await highlighted(example, ".cm-uth-step"), code.split("\n")[line - 1]);
    assert.equal(await pane.locator(".uth-listing li.uth-current code").innerText(), code.split("\n")[line - 1]);
    // Keyboard: → and ← step when the controls have the focus.
    const before = await counter.innerText();
    await fwd.focus();
    await page.keyboard.press("ArrowRight");
    assert.notEqual(await counter.innerText(), before);
    await page.keyboard.press("ArrowLeft");
    assert.equal(await counter.innerText(), before);
    // The last step: the list on the heap, a pointer with an arrow, the refcount, the output.
    await pane.getByRole("button", { name: "Last", exact: true }).click();
    assert.match(await counter.innerText(), new RegExp(`^Step ${total} of ${total}`));
    const list = pane.locator(".uth-obj.uth-kind-list");
    assert.equal(await list.count(), 1);
    assert.match(await list.getAttribute("aria-label"), /^list object, id \d+, refcount \d+(, changed)?$/);
    assert.deepEqual(await list.locator(".uth-cell .uth-val").allInnerTexts(), ["1", "2"]);
    const arrows = pane.locator("svg.uth-arrows path.uth-arrow");
    await arrows.first().waitFor({ state: "attached" });
    assert.equal(await arrows.count(), await pane.locator(".uth-ptr").count());
    assert.equal(await pane.locator(".uth-out").textContent(), "6 [1, 2]\n");
    assert.match(await pane.locator(".uth-end").innerText(), /finished \(exit code 0\)/);
    // The slider goes anywhere.
    await slider.fill("0");
    assert.match(await counter.innerText(), /^Step 1 of/);
    assert.equal(await pane.locator(".uth-out").textContent(), "(nothing yet)");
    await shot(page, "uth-execution");
    noProblems(page);
  });

  test("Execution: a reference cycle stays after del, then gc.collect() frees it", async () => {
    const { page, example, panel } = await opened(CYCLE, "Execution");
    const pane = panel.getByRole("tabpanel", { name: "Execution" });
    const fwd = pane.getByRole("button", { name: "Forward", exact: true });
    // Forward to the line of gc.collect(), after `del x`.
    for (let i = 0; i < 100; i++) {
      const ev = pane.locator(".uth-event");
      if ((await ev.getAttribute("data-line")) === "19" && (await ev.locator(".uth-ev").innerText()) === "line") break;
      await fwd.click();
    }
    assert.equal(await highlighted(example, ".cm-uth-step"), "print(gc.collect() >= 2)");
    const garbage = pane.locator(".uth-obj.uth-garbage");
    assert.equal(await garbage.count(), 2, "both Nodes: unreachable, alive");
    for (const box of await garbage.all()) {
      assert.match(await box.getAttribute("aria-label"), /^Node object, id \d+, refcount 1(, changed)?, unreachable/);
    }
    // The cycle's arrows: each Node points at the other.
    // (Arrows are drawn on the next animation frame, once the boxes are laid out.)
    await pane.locator("path.uth-arrow-garbage").nth(1).waitFor({ state: "attached" });
    assert.equal(await pane.locator("path.uth-arrow-garbage").count(), 2);
    assert.match(await pane.locator(".uth-gc").innerText(), /0 collections so far.*2 objects are unreachable but alive/s);
    await shot(page, "uth-cycle");
    await fwd.click();
    assert.equal(await garbage.count(), 0);
    assert.equal(await pane.locator(".uth-obj.uth-ghost").count(), 2);
    assert.match(await pane.locator(".uth-gc").innerText(), /1 collection so far, \d+ objects collected\. This step freed \d+ objects/);
    assert.equal(await pane.locator(".uth-out").textContent(), "[0, 1, 4]\nTrue\n");
    await shot(page, "uth-collected");
    noProblems(page);
  });

  test("a loop that never ends: the partial trace, capped at 1000 steps, with a note", async () => {
    const { page, panel } = await opened("n = 0\nwhile True:\n    n += 1", "Execution");
    const pane = panel.getByRole("tabpanel", { name: "Execution" });
    assert.match(await pane.locator(".uth-capped").innerText(), /capped at 1000 steps/);
    assert.equal(await pane.getByRole("slider", { name: "Step" }).getAttribute("max"), "999");
    await pane.getByRole("button", { name: "Last", exact: true }).click();
    assert.match(await pane.locator(".uth-counter").innerText(), /^Step 1000 of 1000 \(the trace stops here\)$/);
    assert.match(await pane.locator(".uth-end").innerText(), /Stopped here \(the 1000-step cap\)/);
    assert.match(await panel.locator(".uth-status").innerText(), /1000 steps \(capped\)/);
    noProblems(page);
  });

  test("a syntax error is shown in each view", async () => {
    const { page, example, panel } = await opened("x = 1\nprint(x +)\n", null);
    assert.match(await panel.locator(".uth-status").innerText(), /^SyntaxError at line 2/);
    for (const tab of ["Tokens", "AST", "Bytecode", "Execution"]) {
      await panel.getByRole("tab", { name: tab }).click();
      const pane = panel.getByRole("tabpanel", { name: tab });
      const note = pane.locator(".uth-syntax").first();
      assert.match(await note.innerText(), /^SyntaxError: invalid syntax — line 2, column \d+/, tab);
    }
    await panel.getByRole("tab", { name: "Tokens" }).click();
    const tokens = panel.getByRole("tabpanel", { name: "Tokens" });
    assert.ok((await tokens.locator("tbody tr").count()) >= 5, "the tokens up to the error");
    await tokens.getByRole("button", { name: "Show it in the code" }).click();
    assert.equal(await highlighted(example, ".cm-uth-step"), "print(x +)");
    await panel.getByRole("tab", { name: "Execution" }).click();
    assert.match(await panel.getByRole("tabpanel", { name: "Execution" }).innerText(), /The program never ran/);
    await shot(page, "uth-syntax-error");
    noProblems(page);
  });

  test("editing marks the view as out of date; Refresh inspects the new code", async () => {
    const { page, example, panel } = await opened("print(1)", "Tokens");
    await example.locator(".cm-content").click();
    await page.keyboard.press("ControlOrMeta+End");
    await page.keyboard.insertText("\nprint(2)");
    await panel.locator(".uth-stale").waitFor();
    await panel.getByRole("button", { name: "Refresh", exact: true }).click();
    await panel.locator(".uth-stale").waitFor({ state: "hidden" });
    const texts = await panel.locator(".uth-tokens tbody tr .uth-tok-text").allInnerTexts();
    assert.equal(texts.filter((t) => t === "print").length, 2);
    noProblems(page);
  });

  test("375 px: every tab fits the width of a phone", async () => {
    const page = await newPage(env.browser, { viewport: { width: 375, height: 800 } });
    await page.goto(env.server.base + "/playground");
    await editorReady(page);
    const example = page.locator("[data-example]").first();
    await setCode(page, example, CYCLE);
    await example.getByRole("button", { name: "Under the hood" }).click();
    const panel = example.getByRole("region", { name: /^Under the hood/ });
    for (const tab of ["Tokens", "AST", "Bytecode", "Execution"]) {
      await panel.getByRole("tab", { name: tab }).click();
      await panel.getByRole("tabpanel", { name: tab }).locator(".uth-lead").waitFor();
      const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(scroll <= client, `${tab}: the page does not scroll sideways (${scroll} > ${client})`);
    }
    await panel.getByRole("button", { name: "Last", exact: true }).click();
    await shot(page, "uth-375");
    noProblems(page);
  });

  test("an example's input and helper files are used, and dark mode reads well", async () => {
    const page = await newPage(env.browser, { colorScheme: "dark" });
    await page.goto(env.server.base + "/tutorials/first-steps");
    await editorReady(page);
    const withStdin = page.locator("#first-steps-3");
    await withStdin.getByRole("button", { name: "Under the hood" }).click();
    const panel = withStdin.getByRole("region", { name: /^Under the hood/ });
    await panel.getByRole("tab", { name: "Execution" }).click();
    const pane = panel.getByRole("tabpanel", { name: "Execution" });
    await pane.getByRole("button", { name: "Last", exact: true }).click();
    assert.equal(await pane.locator(".uth-out").textContent(), "Name: Ada\nHi Ada\n");
    const withFile = page.locator("#first-steps-4");
    await withFile.getByRole("button", { name: "Under the hood" }).click();
    const panel2 = withFile.getByRole("region", { name: /^Under the hood/ });
    await panel2.getByRole("tab", { name: "Execution" }).click();
    const pane2 = panel2.getByRole("tabpanel", { name: "Execution" });
    await pane2.getByRole("button", { name: "Last", exact: true }).click();
    assert.equal(await pane2.locator(".uth-out").textContent(), "Hello, Grace!\n");
    await withStdin.scrollIntoViewIfNeeded();
    await shot(page, "uth-dark");
    noProblems(page);
  });
});

// Round 2: side by side, phones, narration, Python Tutor's extras, names, input. Each at the
// two sizes the issue names: a laptop (1280×800) and a phone (375×740).
const SIZES = [
  { name: "1280", viewport: { width: 1280, height: 800 } },
  { name: "375", viewport: { width: 375, height: 740 } },
];

const STORY = `import math

class Animal:
    def speak(self):
        return "..."

class Dog(Animal):
    def __init__(self, name):
        self.name = name

def add_item(lst, item):
    lst.append(item)
    return len(lst)

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def make_counter():
    count = 0
    def step():
        nonlocal count
        count += 1
        return count
    return step

x = 3
items = [1, 2]
add_item(items, 3)
rex = Dog("Rex")
tick = make_counter()
tick()
print(fib(3), math.floor(2.5))`;

/** The playground at `viewport` with `code`, its Under the hood panel open on `tab`; `answer`
 * is the body of the /api/inspect answer the panel received. */
async function openedAt(viewport, code, tab, options = {}) {
  const page = await newPage(env.browser, { viewport, ...options });
  await page.goto(env.server.base + "/playground");
  await editorReady(page);
  const example = page.locator("[data-example]").first();
  await setCode(page, example, code);
  const answered = page.waitForResponse((r) => r.url().endsWith("/api/inspect"));
  await example.getByRole("button", { name: "Under the hood" }).click();
  const answer = await (await answered).body();
  const panel = example.getByRole("region", { name: /^Under the hood/ });
  await panel.locator(".uth-status").filter({ hasText: /tokens|Error|not available/ }).waitFor({ timeout: 15_000 });
  if (tab) await panel.getByRole("tab", { name: tab }).click();
  return { page, example, panel, answer };
}

/** Forward until the narration matches `re` (or the last step); returns the sentence. */
async function stepUntil(pane, re) {
  const fwd = pane.getByRole("button", { name: "Forward", exact: true });
  for (let i = 0; i < 400; i++) {
    const text = await pane.locator(".uth-event").innerText();
    if (re.test(text)) return text;
    if (await fwd.isDisabled()) break;
    await fwd.click();
  }
  throw new Error(`no step says ${re}`);
}

async function noSidewaysScroll(page, what) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `${what}: the page does not scroll sideways (${scroll} > ${client})`);
}

describe("under the hood, round 2", () => {
  test("1280×800: the code and the diagram side by side, both in the viewport while stepping", async () => {
    const { page, panel } = await openedAt(SIZES[0].viewport, STORY, "Execution");
    const pane = panel.getByRole("tabpanel", { name: "Execution" });
    await pane.locator(".uth-split").scrollIntoViewIfNeeded();
    await pane.locator(".uth-split").evaluate((e) => e.scrollIntoView({ block: "start" }));
    const fwd = pane.getByRole("button", { name: "Forward", exact: true });
    const inView = async (loc) => {
      const r = await loc.boundingBox();
      return r && r.y >= 0 && r.y + r.height <= 800 && r.x >= 0 && r.x + r.width <= 1280;
    };
    for (let i = 0; i < 40; i++) {
      await fwd.click();
      const code = pane.locator(".uth-side-code");
      const diagram = pane.locator(".uth-side-diagram");
      const [c, d] = [await code.boundingBox(), await diagram.boundingBox()];
      assert.ok(c.x + c.width <= d.x + 1, `step ${i}: the code is left of the diagram`);
      assert.ok(await inView(pane.locator(".uth-listing li.uth-current")), `step ${i}: the current line is in the viewport`);
      assert.ok(await inView(pane.locator(".uth-frame-current .uth-frame-head")), `step ${i}: the current frame is in the viewport`);
      assert.ok(await inView(fwd), `step ${i}: Forward stays in the viewport`);
    }
    await shot(page, "uth-side-by-side-1280");
    noProblems(page);
  });

  for (const size of SIZES) {
    test(`${size.name} px: the document stores changes per step, and the panel rebuilds every step`, async () => {
      const { page, panel, answer } = await openedAt(size.viewport, STORY, "Execution");
      const doc = JSON.parse(answer.toString("utf8"));
      assert.equal(doc.schema_version, 2);
      assert.ok(doc.trace.every((s) => !("heap" in s) && s.stack.every((f) => typeof f === "number")));
      // Objects are written when they change, not at every step: far fewer than steps × objects.
      const written = doc.trace.reduce((n, s) => n + Object.keys(s.heap_changes ?? {}).length, 0);
      assert.ok(written < doc.trace.length * 3, `${written} objects written over ${doc.trace.length} steps`);
      // About 14 KB of trace for these 59 steps; every step's whole heap, as schema 1 had it, was 87 KB.
      const traceBytes = JSON.stringify(doc.trace).length;
      assert.ok(traceBytes < 25_000, `the trace is ${traceBytes} bytes`);
      // The last step, rebuilt from all the changes before it, has every object of the program.
      const pane = panel.getByRole("tabpanel", { name: "Execution" });
      await pane.getByRole("button", { name: "Last", exact: true }).click();
      const types = await pane.locator(".uth-obj .uth-obj-type").allInnerTexts();
      for (const t of ["module", "class", "function", "list", "Dog"]) assert.ok(types.includes(t), `${t} in ${types.join(", ")}`);
      assert.equal(await pane.locator(".uth-out").textContent(), "2 2\n");
      noProblems(page);
    });

    test(`${size.name} px: narration, one sentence per step, and what changed is highlighted`, async () => {
      const { page, panel } = await openedAt(size.viewport, STORY, "Execution");
      const pane = panel.getByRole("tabpanel", { name: "Execution" });
      assert.equal(await pane.locator(".uth-event").innerText(), "call The program starts.");
      await stepUntil(pane, /`?x = 3`? binds the name x to the int 3\./);
      // x is new in the global frame: its row is highlighted.
      const rowClass = (name) =>
        pane.locator(".uth-frame").first().evaluate((f, n) => [...f.querySelectorAll("tr")].find((r) => r.cells[0]?.textContent === n)?.className ?? null, name);
      assert.equal(await rowClass("x"), "uth-changed");
      const text = await stepUntil(pane, /changes a list: it now has 3 items/);
      assert.match(text, /lst\.append\(item\)/);
      const list = pane.locator(".uth-obj.uth-kind-list");
      assert.match(await list.getAttribute("class"), /uth-changed/);
      // Unchanged objects are not highlighted.
      assert.doesNotMatch(await pane.locator(".uth-obj.uth-kind-class").first().getAttribute("class"), /uth-changed/);
      await stepUntil(pane, /Call fib\(n=3\)/);
      await stepUntil(pane, /fib returns the int 2\./);
      await shot(page, `uth-narration-${size.name}`);
      noProblems(page);
    });

    test(`${size.name} px: functions with signatures, classes with methods and bases, closures' frames, small ids, imports`, async () => {
      const { page, panel } = await openedAt(size.viewport, STORY, "Execution");
      const pane = panel.getByRole("tabpanel", { name: "Execution" });
      await stepUntil(pane, /Call step\(\)/);
      // make_counter has returned, its frame stays: step's closure lives on.
      const kept = pane.locator(".uth-frame.uth-frame-kept");
      assert.equal(await kept.count(), 1);
      assert.match(await kept.innerText(), /^make_counter\s+f\d+\s+returned; its variables live on in a closure/);
      assert.match(await kept.locator("tr").first().innerText(), /^count\s+0$/);
      await pane.getByRole("button", { name: "Last", exact: true }).click();
      const sigs = await pane.locator(".uth-obj.uth-kind-function .uth-sig").allInnerTexts();
      assert.ok(sigs.includes("add_item(lst, item)"), sigs.join(" | "));
      assert.ok(sigs.includes("fib(n)"), sigs.join(" | "));
      const dog = pane.locator(".uth-obj.uth-kind-class", { hasText: "Dog(Animal)" });
      assert.equal(await dog.count(), 1);
      assert.match(await dog.innerText(), /__init__/);
      const closure = pane.locator(".uth-obj.uth-kind-function", { hasText: "step()" });
      assert.match(await closure.innerText(), /closure \(from frame f\d+\):\s+count\s+1/);
      // Small ids beside the real id().
      const head = await pane.locator(".uth-obj").first().locator(".uth-obj-head").innerText();
      assert.match(head, /id \d{1,3}\s+id\(\) \d{6,}/);
      assert.match(await pane.locator(".uth-frame").first().locator(".uth-frame-head").innerText(), /^Global frame\s+f1/);
      // The imported module is marked.
      const math = pane.locator(".uth-obj.uth-kind-module");
      assert.match(await math.innerText(), /module math, imported/);
      assert.match(await math.getAttribute("aria-label"), /imported from math/);
      await shot(page, `uth-parity-${size.name}`);
      noProblems(page);
    });

    test(`${size.name} px: names match the visible labels`, async () => {
      const { page, panel } = await openedAt(size.viewport, "def f():\n    return 1\n\nprint(f())", "Execution");
      const pane = panel.getByRole("tabpanel", { name: "Execution" });
      for (const name of ["First", "Back", "Forward", "Last"]) {
        const b = pane.getByRole("button", { name, exact: true });
        assert.equal(await b.count(), 1, name);
        assert.equal((await b.innerText()).replace(/[«»◀▶]/g, "").trim(), name);
      }
      const refresh = panel.getByRole("button", { name: "Refresh", exact: true });
      assert.equal((await refresh.innerText()).trim(), "Refresh");
      assert.equal(await pane.getByRole("slider", { name: "Step" }).count(), 1);
      await panel.getByRole("tab", { name: "Bytecode" }).click();
      const titles = await panel.getByRole("tabpanel", { name: "Bytecode" }).locator(".uth-code-title").allInnerTexts();
      assert.equal(titles[0], "<module>");
      assert.ok(!titles.some((t) => /<module>\s+<module>/.test(t)), titles.join(" | "));
      noProblems(page);
    });

    test(`${size.name} px: a program that calls input() is inspected with the input typed beside it`, async () => {
      const code = "name = input('Name? ')\nprint('Hi', name)";
      const { page, panel } = await openedAt(size.viewport, code, "Execution");
      const field = panel.getByRole("textbox", { name: "Input for the program" });
      assert.equal(await field.isVisible(), true);
      const pane = panel.getByRole("tabpanel", { name: "Execution" });
      // Nothing typed yet: input() found no line, and the panel says what to do.
      await pane.getByRole("button", { name: "Last", exact: true }).click();
      assert.match(await pane.locator(".uth-end").innerText(), /EOFError[\s\S]*type it in the Input field/);
      await field.fill("Ada");
      await panel.getByRole("button", { name: "Refresh", exact: true }).click();
      await page.waitForFunction(() => !document.querySelector(".uth[aria-busy]"));
      await panel.getByRole("tab", { name: "Execution" }).click();
      await pane.getByRole("button", { name: "Last", exact: true }).click();
      assert.match(await pane.locator(".uth-out").textContent(), /Hi Ada\n$/);
      assert.match(await pane.locator(".uth-end").innerText(), /finished \(exit code 0\)/);
      await shot(page, `uth-input-${size.name}`);
      noProblems(page);
    });
  }

  test("375×740: nothing overflows, no one-letter columns, the diagram stays in its box, tap and focus instead of hover", async () => {
    const { page, example, panel } = await openedAt(SIZES[1].viewport, STORY, null, { hasTouch: true, isMobile: true });
    for (const tab of ["Tokens", "AST", "Bytecode", "Execution"]) {
      await panel.getByRole("tab", { name: tab }).click();
      await panel.getByRole("tabpanel", { name: tab }).locator(".uth-lead").waitFor();
      await noSidewaysScroll(page, tab);
    }
    // Table cells hold their words on one line (no "N A M E" down the page).
    for (const [tab, sel] of [["Tokens", ".uth-tokens tbody tr"], ["Bytecode", ".uth-ins tr"]]) {
      await panel.getByRole("tab", { name: tab }).click();
      const tall = await panel.getByRole("tabpanel", { name: tab }).locator(sel).evaluateAll((rows) =>
        rows.slice(0, 40).flatMap((r) => [...r.cells].filter((c) => c.textContent.trim() && c.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(c).lineHeight)).map((c) => c.textContent)),
      );
      assert.deepEqual(tall, [], `${tab}: cells taller than two lines`);
      await panel.getByRole("tabpanel", { name: tab }).locator(".uth-scroll").scrollIntoViewIfNeeded();
      await shot(page, `uth-${tab.toLowerCase()}-375`);
    }
    // Tap a token: it lights up in the code.
    await panel.getByRole("tab", { name: "Tokens" }).click();
    await panel.locator(".uth-tokens tbody tr").nth(1).tap();
    assert.equal(await highlighted(example), "math");
    // Tap an instruction, then move with the keyboard: its line lights up.
    await panel.getByRole("tab", { name: "Bytecode" }).click();
    const pane = panel.getByRole("tabpanel", { name: "Bytecode" });
    await pane.locator(".uth-ins tr").nth(2).tap();
    assert.ok((await highlighted(example, ".cm-uth-hl-line")).length > 0);
    await page.keyboard.press("ArrowDown");
    assert.ok((await highlighted(example, ".cm-uth-hl-line")).length > 0);
    // The diagram: every frame and object inside its box, at every step we visit.
    await panel.getByRole("tab", { name: "Execution" }).click();
    const exec = panel.getByRole("tabpanel", { name: "Execution" });
    const fwd = exec.getByRole("button", { name: "Forward", exact: true });
    for (let i = 0; i < 200; i++) {
      const outside = await exec.locator(".uth-viz").evaluate((viz) => {
        const box = viz.getBoundingClientRect();
        return [...viz.querySelectorAll(".uth-frame, .uth-obj")]
          .map((e) => e.getBoundingClientRect())
          .filter((r) => r.left < box.left - 1 || r.right > box.right + 1).length;
      });
      assert.equal(outside, 0, `step ${i}: boxes outside the diagram`);
      await noSidewaysScroll(page, `Execution step ${i}`);
      if (await fwd.isDisabled()) break;
      await fwd.tap();
    }
    const lastButton = exec.getByRole("button", { name: "Last", exact: true });
    if (!(await lastButton.isDisabled())) await lastButton.tap();
    assert.match(await exec.locator(".uth-end").innerText(), /finished \(exit code 0\)/);
    await noSidewaysScroll(page, "Execution, last step");
    await exec.locator(".uth-viz").scrollIntoViewIfNeeded();
    await shot(page, "uth-execution-375");
    noProblems(page);
  });
});
