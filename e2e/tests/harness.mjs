// Shared setup for the browser tests: start `pyguide serve` on a free loopback port (the built
// binary: $PYGUIDE_BIN, else the workspace's release or debug build), launch Debian's chromium
// through playwright-core, and record every console error, page error and CSP violation.
import { after, before } from "node:test";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, "..", "..");
export const fixture = resolve(here, "..", "fixture");
export const shots = resolve(here, "..", "screenshots");
mkdirSync(shots, { recursive: true });

export function pyguideBin() {
  if (process.env.PYGUIDE_BIN) return resolve(repo, process.env.PYGUIDE_BIN);
  const targets = [process.env.CARGO_TARGET_DIR, join(repo, "target")].filter(Boolean);
  for (const t of targets) {
    for (const profile of ["release", "debug"]) {
      const p = join(t, profile, "pyguide");
      if (existsSync(p)) return p;
    }
  }
  throw new Error("no pyguide binary: build it (cargo build --release) or set PYGUIDE_BIN");
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Starts `pyguide serve`; `content` is a folder, or null for the embedded curriculum;
 * `databaseUrl` stores shares in PostgreSQL instead of SQLite under a temporary data folder. */
export async function startServer({ content = fixture, databaseUrl = null } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "pyguide-e2e-"));
  const args = ["serve", "--addr", `127.0.0.1:${port}`, "--data-dir", join(dataDir, "data")];
  if (content) args.push("--content", content);
  if (databaseUrl) args.push("--database-url", databaseUrl);
  const child = spawn(pyguideBin(), args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, RUST_LOG: "warn" } });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pyguide serve exited: ${log}`);
    try {
      if ((await fetch(base + "/healthz")).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`pyguide serve did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    dataDir,
    log: () => log,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts `pyguide serve` (options as for `startServer`) and a browser before the file's tests,
 * and stops both after them. `env.server` and `env.browser` are there once the tests run. */
export function serverAndBrowser(options) {
  const env = {};
  before(async () => {
    env.server = await startServer(options);
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A new page whose console errors, page errors and CSP violations land in `page.problems`. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") {
      page.problems.push(`console ${m.type()}: ${m.text()} (${m.location().url || "?"})`);
    }
  });
  page.on("pageerror", (e) => page.problems.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) page.problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on("requestfailed", (r) => {
    // A navigation cancels what the previous page was still loading: not a failure of the site.
    if (r.failure()?.errorText !== "net::ERR_ABORTED") page.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sample || ""}`);
    });
  });
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

/** Waits until the editor bundle has turned the page's examples into editors. */
export async function editorReady(page) {
  await page.waitForSelector("[data-example] .cm-editor", { timeout: 15_000 });
}

/** The text of an example's Output console. */
export function consoleText(example) {
  return example.locator(".output-body .console").innerText();
}
