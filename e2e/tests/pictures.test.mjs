// Pictures in a real browser, on a real server: a turtle program's moves arrive and are drawn as
// an SVG (animated, with a keyboard-reachable "Skip to the end"; at once for a learner who
// prefers reduced motion), and a matplotlib plot arrives as a PNG shown with its alt text, each
// in its place among the printed text. pictures.js loads only with the first picture. The plot
// needs the curated packages (scripts/test installs them and sets PYGUIDE_PACKAGES_DIR).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { editorReady, newPage, serverAndBrowser, shot } from "./harness.mjs";

const env = serverAndBrowser({ content: null });

// At speed 1 each side of the square takes the standard module's 1 + int(300 / 3.3) = 91
// frames of 10 ms, so the drawing takes over ten seconds: the test skips to its end.
const TURTLE = `import turtle

print("before")
t = turtle.Turtle()
t.speed(1)
t.color("red", "yellow")
t.begin_fill()
for _ in range(3):
    for _ in range(4):
        t.forward(300)
        t.left(90)
t.end_fill()
t.penup()
t.goto(-100, -100)
t.pendown()
t.circle(50)
t.dot(20, "blue")
t.write("Hi", font=("Arial", 16, "normal"))
turtle.done()
print("after")
`;
// 12 sides, then circle(50) as 1 + int(11 + 50 / 6) = 20 chords.
const LINES = 12 + 20;

const PLOT = `import matplotlib.pyplot as plt

print("plotting")
plt.plot([1, 2, 3, 4], [1, 4, 9, 16])
plt.title("Squares")
plt.show()
print("shown")
`;

async function playground(options = {}) {
  const page = await newPage(env.browser, options);
  await page.goto(env.server.base + "/playground");
  await editorReady(page);
  return { page, example: page.locator("[data-example]").first() };
}

async function run(page, example, code) {
  await example.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(code);
  await example.locator("[data-run]").click();
}

const picturesScripts = (page) =>
  page.evaluate(() => Array.from(document.scripts, (s) => s.src).filter((s) => /\/static\/pictures\.[0-9a-f]+\.js$/.test(s)));

/** The Output console's children, in order, as "text:…" or "figure". */
const consoleOrder = (example) =>
  example.locator(".output-body .console").evaluate((c) =>
    Array.from(c.children, (e) => (e.tagName === "FIGURE" ? "figure" : `text:${e.textContent.trim()}`)).filter((s) => s !== "text:"),
  );

describe("pictures", () => {
  test("a turtle drawing is animated, skipped to its end from the keyboard, and drawn in full", async () => {
    const { page, example } = await playground();
    assert.deepEqual(await picturesScripts(page), [], "pictures.js is not loaded before a picture needs it");
    await run(page, example, TURTLE);
    const figure = example.locator(".output-body figure.picture");
    const skip = figure.locator("button.picture-skip");
    await skip.waitFor({ timeout: 20_000 });
    assert.equal((await picturesScripts(page)).length, 1, "pictures.js is loaded with the first picture");
    const svg = figure.locator("svg");
    assert.equal(await svg.getAttribute("role"), "img");
    assert.match(await svg.getAttribute("aria-label"), /^Turtle drawing: 32 lines, 1 filled shape, 1 dot, text 'Hi'$/);
    // Still drawing: fewer lines than the drawing has.
    assert.ok((await svg.locator("line").count()) < LINES, "the drawing is animated, not shown at once");

    // The button is reachable from the keyboard: the next Tab stop after the Output pane.
    await example.locator(".output-body").focus();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.className), "picture-skip");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("figure.picture")?.dataset.drawn === "true");
    assert.equal(await skip.count(), 0, "the button goes once the drawing is complete");
    assert.equal(await svg.locator("line").count(), LINES, "every line arrived and is drawn");
    assert.equal(await svg.locator("polygon[fill='yellow']").count(), 1, "the fill");
    assert.equal(await svg.locator("circle[fill='blue']").count(), 1, "the dot");
    assert.equal(await svg.locator("text").textContent(), "Hi");
    assert.equal(await svg.locator("line").first().getAttribute("stroke"), "red");
    // A side of the square, in SVG coordinates (y down).
    const first = await svg.locator("line").first().evaluate((l) => [l.x1, l.y1, l.x2, l.y2].map((a) => a.baseVal.value));
    assert.deepEqual(first, [0, 0, 300, 0]);
    // The focus stays in the picture, not lost to <body>.
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), "FIGURE");

    await example.locator(".output-body .status").waitFor({ timeout: 15_000 });
    assert.deepEqual(await consoleOrder(example), ["text:before", "figure", "text:after"], "in order with the text");
    // Scaled to fit the pane.
    const [svgWidth, paneWidth] = await example.locator(".output-body").evaluate((o) => [o.querySelector("svg").getBoundingClientRect().width, o.clientWidth]);
    assert.ok(svgWidth <= paneWidth, `${svgWidth} <= ${paneWidth}`);
    await figure.scrollIntoViewIfNeeded();
    await shot(page, "pictures-turtle");
    assert.deepEqual(page.problems, [], "no console errors or CSP violations");
  });

  test("with reduced motion the drawing is there at once, without a Skip button", async () => {
    const { page, example } = await playground({ reducedMotion: "reduce" });
    await run(page, example, TURTLE);
    const figure = example.locator(".output-body figure.picture");
    await figure.waitFor({ timeout: 20_000 });
    assert.equal(await figure.getAttribute("data-drawn"), "true");
    assert.equal(await figure.locator("button").count(), 0);
    assert.equal(await figure.locator("svg line").count(), LINES);
    assert.deepEqual(page.problems, []);
  });

  test("a matplotlib plot is a PNG in the output, with its alt text, scaled to fit", async () => {
    const { page, example } = await playground({ viewport: { width: 375, height: 740 } });
    await run(page, example, PLOT);
    await example.locator(".output-body .status").waitFor({ timeout: 30_000 });
    const img = example.locator(".output-body figure.picture img");
    assert.equal(await img.count(), 1, await example.locator(".output-body").innerText());
    assert.match(await img.getAttribute("src"), /^data:image\/png;base64,iVBORw0KGgo/);
    assert.match(await img.getAttribute("alt"), /^Figure 1: .*Squares/);
    await page.waitForFunction(() => document.querySelector("figure.picture img")?.complete);
    const [natural, shown, pane] = await img.evaluate((i) => [i.naturalWidth, i.getBoundingClientRect().width, i.closest(".output-body").clientWidth]);
    assert.ok(natural > 0, "the PNG decodes");
    assert.ok(shown <= pane, `scaled down to the pane: ${shown} <= ${pane}`);
    assert.deepEqual(await consoleOrder(example), ["text:plotting", "figure", "text:shown"]);
    await img.scrollIntoViewIfNeeded();
    await shot(page, "pictures-plot-375");
    assert.deepEqual(page.problems, [], "no console errors or CSP violations");
  });
});
