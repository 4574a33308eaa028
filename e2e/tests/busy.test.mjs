// A busy server is not an error for the learner: when this address already runs its share of
// programs, the page says so, counts down, and runs the program by itself once there is room.
// Real server, real runs: another page of the same browser (the same address) holds the share
// with programs blocked in input().
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { consoleText, editorReady, newPage, serverAndBrowser, shot } from "./harness.mjs";

const env = serverAndBrowser();

/** Opens WebSockets from `page` running `input()` until the server queues one (closed again):
 * the address then runs as many programs as it may. */
async function holdTheShare(page) {
  return page.evaluate(async () => {
    const held = [];
    for (let i = 0; i < 6; i++) {
      const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/api/run/ws");
      const first = await new Promise((ok) => {
        ws.onopen = () => ws.send(JSON.stringify({ type: "run", code: "input()" }));
        ws.onmessage = (e) => ok(JSON.parse(e.data).type);
      });
      if (first !== "started") {
        ws.close();
        break;
      }
      held.push(ws);
      // Let the run reach input() (and give its slot back if it may) before the next one.
      await new Promise((r) => setTimeout(r, 300));
    }
    window.heldRuns = held;
    return held.length;
  });
}

for (const [name, viewport] of [
  ["desktop", { width: 1280, height: 800 }],
  ["phone", { width: 375, height: 740 }],
]) {
  describe(`busy server (${name})`, () => {
    test("429: the page counts down, then runs the program", async () => {
      const holder = await newPage(env.browser);
      await holder.goto(env.server.base + "/playground");
      const held = await holdTheShare(holder);
      assert.ok(held >= 2, `the holder runs ${held} programs`);

      const page = await newPage(env.browser, { viewport });
      await page.goto(env.server.base + "/playground");
      await editorReady(page);
      const example = page.locator("[data-example]").first();
      await example.locator(".cm-content").click();
      await page.keyboard.press("ControlOrMeta+a");
      await page.keyboard.insertText("print('ran after the wait')");
      await example.locator("[data-run]").click();
      const busy = example.locator(".status-busy");
      await busy.waitFor({ timeout: 15_000 });
      assert.match(await busy.innerText(), /^Busy: trying again in \d+ s…$/);
      assert.equal(await example.locator(".status-error").count(), 0, "no bare red error");
      await shot(page, `busy-countdown-${name}`);

      // Room again: the countdown ends and the program runs by itself.
      await holder.evaluate(() => window.heldRuns.forEach((ws) => ws.close()));
      await example.locator(".output-body .status-success").waitFor({ timeout: 20_000 });
      assert.equal(await consoleText(example), "ran after the wait\n");
      assert.equal(await busy.count(), 0);
      assert.deepEqual(page.problems, [], "no console errors or CSP violations");
      await holder.close();
      await page.close();
    });
  });
}
