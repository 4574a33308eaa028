// Share round trip through `pyguide serve --database-url postgres://...` in the browser.
// scripts/test runs the browser tests inside scripts/with-postgres, which sets DATABASE_URL.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { editorReady, launch, newPage, startServer } from "./harness.mjs";

const url = process.env.DATABASE_URL;
let server;
let browser;

before(async () => {
  if (!url) return;
  server = await startServer({ databaseUrl: url });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("share round trip with PostgreSQL (--database-url)", { skip: !url && "DATABASE_URL is not set" }, async () => {
  const page = await newPage(browser);
  await page.goto(server.base + "/playground");
  await editorReady(page);
  const example = page.locator("[data-example]").first();
  await example.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText("print('stored in PostgreSQL')");
  await example.getByRole("button", { name: "Share a link to this code" }).click();
  const link = await example.locator(".share-url").inputValue();
  assert.match(link, /\/s\/[0-9A-Za-z]{12}$/);
  await page.goto(link);
  await editorReady(page);
  assert.equal(await page.locator("[data-example] .cm-content").innerText(), "print('stored in PostgreSQL')");
  // The row is in PostgreSQL.
  const id = link.split("/").pop();
  const code = execFileSync("psql", [url, "-tAc", `SELECT code FROM shares WHERE id = '${id}'`], { encoding: "utf8" });
  assert.equal(code.trim(), "print('stored in PostgreSQL')");
  assert.deepEqual(page.problems, []);
});
