// The "Under the hood" panel (inspect.js, loaded on the first click of the button): asks
// POST /api/inspect for the inspector's document and shows it in four tabs — Tokens, AST,
// Bytecode, Execution (WAI-ARIA tabs: ←/→/Home/End move between them). Each view is built the
// first time its tab is shown. Schema: python/INSPECTOR.md.

import "./inspect.css";
import { astView } from "./ast";
import { bytecodeView } from "./bytecode";
import { button, el, Source, syntaxNote } from "./dom";
import { executionView } from "./execution";
import { tokensView } from "./tokens";
import type { Doc, Failure, Pos, UthHost } from "./types";

/** What a view gets: the document, the source it describes, and the editor (through guards). */
export interface View {
  readonly doc: Doc;
  readonly src: Source;
  readonly host: UthHost;
  /** A prefix for element ids that is unique on the page. */
  readonly id: string;
  mark(kind: string, ranges: { from: Pos; to: Pos }[], cls: string, scroll?: boolean): void;
  markLines(kind: string, lines: number[], cls: string, scroll?: boolean): void;
  onCursor(cb: (pos: Pos) => void): void;
  onHoverLine(cb: (line: number | null) => void): void;
  onActivate(cb: () => void): void;
}

const TABS = [
  { key: "tokens", name: "Tokens", build: tokensView, none: "Tokens up to the error are below." },
  { key: "ast", name: "AST", build: astView, none: "" },
  { key: "bytecode", name: "Bytecode", build: bytecodeView, none: "" },
  { key: "execution", name: "Execution", build: executionView, none: "" },
] as const;
type Key = (typeof TABS)[number]["key"];

/** The code reads its standard input (input(), sys.stdin): the panel offers a field for it. */
function wantsInput(code: string): boolean {
  return /\binput\s*\(|\bstdin\b/.test(code);
}

/** The tab learners last chose, kept for the next panel they open. */
let preferred: Key = "tokens";

class Panel {
  readonly host: UthHost;
  readonly id: string;
  readonly status: HTMLElement;
  readonly staleNote: HTMLElement;
  readonly version: HTMLElement;
  readonly input: HTMLTextAreaElement;
  readonly inputBox: HTMLElement;
  inputEdited = false;
  readonly tabs = new Map<Key, HTMLButtonElement>();
  readonly panes = new Map<Key, HTMLElement>();
  active: Key = preferred;
  doc: Doc | null = null;
  src: Source | null = null;
  stale = false;
  generation = 0;
  built = new Map<Key, { cursor?: (p: Pos) => void; hover?: (l: number | null) => void; activate?: () => void }>();

  constructor(host: UthHost) {
    this.host = host;
    this.id = host.panel.id;
    const p = host.panel;
    p.replaceChildren();
    this.version = el("span", "uth-version");
    const refresh = button("Refresh", "uth-small");
    refresh.title = "Inspect the code again";
    refresh.addEventListener("click", () => void this.inspect());
    // What input() reads: the example's own input block if it has one, else this field.
    this.input = el("textarea", "uth-input");
    this.input.id = `${this.id}-input`;
    this.input.rows = 2;
    this.input.spellcheck = false;
    this.input.value = host.stdin() ?? "";
    const inputLabel = el("label", undefined, "Input for the program");
    inputLabel.htmlFor = this.input.id;
    const inputHelp = el("span", "uth-sum", " — what input() reads, one line per call; press Refresh after changing it.");
    inputHelp.id = `${this.id}-input-help`;
    this.input.setAttribute("aria-describedby", inputHelp.id);
    this.input.addEventListener("input", () => (this.inputEdited = true));
    this.inputBox = el("div", "uth-inputbox", inputLabel, inputHelp, this.input);
    this.inputBox.hidden = !wantsInput(host.code()) && !this.input.value;
    this.status = el("p", "uth-status");
    this.status.setAttribute("role", "status");
    this.staleNote = el("p", "uth-stale", "The code has changed since: press Refresh to see it under the hood.");
    this.staleNote.hidden = true;
    p.append(el("div", "uth-head", el("h3", "uth-title", "Under the hood"), this.version, refresh), this.inputBox, this.staleNote, this.status);

    const list = el("div", "uth-tablist");
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", "Under the hood views");
    for (const t of TABS) {
      const tab = button(t.name, "uth-tab");
      tab.id = `${this.id}-tab-${t.key}`;
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", `${this.id}-${t.key}`);
      tab.addEventListener("click", () => this.select(t.key));
      this.tabs.set(t.key, tab);
      list.append(tab);
      const pane = el("div", "uth-pane");
      pane.id = `${this.id}-${t.key}`;
      pane.setAttribute("role", "tabpanel");
      pane.setAttribute("aria-labelledby", tab.id);
      pane.tabIndex = 0;
      this.panes.set(t.key, pane);
    }
    list.addEventListener("keydown", (ev) => {
      const keys = TABS.map((t) => t.key);
      const at = keys.indexOf(this.active);
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: keys.length - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      const k = keys[(to + keys.length) % keys.length];
      this.select(k);
      this.tabs.get(k)?.focus();
    });
    p.append(list, ...this.panes.values());
    this.select(this.active, false);

    host.onCursor((pos) => this.live() && this.built.get(this.active)?.cursor?.(pos));
    host.onHoverLine((line) => this.live() && this.built.get(this.active)?.hover?.(line));
    host.onChange(() => {
      if (!this.doc || this.stale) return;
      this.stale = true;
      this.staleNote.hidden = false;
    });
    p.addEventListener("uth-open", () => {
      if (this.stale) void this.inspect();
      else this.select(this.active, false);
    });
    void this.inspect();
  }

  /** The panel is shown and describes the code in the editor. */
  live(): boolean {
    return !this.host.panel.hidden && !this.stale && this.doc !== null;
  }

  select(key: Key, remember = true) {
    this.active = key;
    if (remember) preferred = key;
    for (const [k, tab] of this.tabs) {
      const on = k === key;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      this.panes.get(k)!.hidden = !on;
    }
    this.host.mark("hl", [], "");
    this.host.markLines("step", [], "");
    if (!this.doc) return;
    if (!this.built.has(key)) this.build(key);
    if (!this.stale) this.built.get(key)?.activate?.();
  }

  build(key: Key) {
    const doc = this.doc!;
    const src = this.src!;
    const hooks: { cursor?: (p: Pos) => void; hover?: (l: number | null) => void; activate?: () => void } = {};
    this.built.set(key, hooks);
    const gen = this.generation;
    const ok = () => gen === this.generation && !this.stale && !this.host.panel.hidden;
    const view: View = {
      doc,
      src,
      host: this.host,
      id: `${this.id}-${key}`,
      mark: (kind, ranges, cls, scroll) => ok() && this.host.mark(kind, ranges, cls, scroll),
      markLines: (kind, lines, cls, scroll) => ok() && this.host.markLines(kind, lines, cls, scroll),
      onCursor: (cb) => (hooks.cursor = cb),
      onHoverLine: (cb) => (hooks.hover = cb),
      onActivate: (cb) => (hooks.activate = cb),
    };
    const pane = this.panes.get(key)!;
    const t = TABS.find((x) => x.key === key)!;
    pane.replaceChildren();
    if (doc.syntax_error) {
      const e = doc.syntax_error;
      pane.append(
        syntaxNote(e, t.none, () => {
          if (!e.lineno) return;
          const endLine = e.end_lineno ?? e.lineno;
          const from = src.cp(e.lineno, Math.max(0, (e.offset ?? 1) - 1));
          let to = src.cp(endLine, Math.max(0, (e.end_offset ?? 0) - 1));
          if (to[0] < from[0] || (to[0] === from[0] && to[1] <= from[1])) to = [from[0], from[1] + 1];
          this.host.markLines("step", [e.lineno], "cm-uth-step cm-uth-step-exc");
          this.host.mark("hl", [{ from, to }], "cm-uth-hl", true);
        }),
      );
    }
    pane.append(t.build(view));
  }

  async inspect() {
    const gen = ++this.generation;
    const code = this.host.code();
    this.built.clear();
    this.doc = null;
    for (const pane of this.panes.values()) pane.replaceChildren();
    this.host.mark("hl", [], "");
    this.host.markLines("step", [], "");
    this.host.panel.setAttribute("aria-busy", "true");
    this.status.className = "uth-status";
    this.status.textContent = "Running the code under the inspector…";
    let answer: Doc | Failure;
    try {
      const body: { code: string; files?: Record<string, string>; stdin?: string } = { code };
      const files = this.host.files();
      if (Object.keys(files).length) body.files = files;
      // Until the learner types in the field, it follows the example's input block.
      if (!this.inputEdited) this.input.value = this.host.stdin() ?? "";
      if (wantsInput(code)) this.inputBox.hidden = false;
      const stdin = this.inputBox.hidden ? this.host.stdin() : this.input.value;
      if (stdin) body.stdin = stdin.endsWith("\n") ? stdin : stdin + "\n";
      const res = await fetch("/api/inspect", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      answer = await res.json().catch(() => ({ error: `The server answered ${res.status} without details.` }));
      if (!res.ok && !("error" in answer)) answer = { error: `The server answered ${res.status}.` };
    } catch {
      answer = { error: "The server could not be reached. Check your connection and press Refresh." };
    }
    if (gen !== this.generation) return;
    this.host.panel.removeAttribute("aria-busy");
    this.stale = false;
    this.staleNote.hidden = true;
    if ("error" in answer) {
      this.status.className = "uth-status uth-error";
      this.status.textContent = answer.error;
      this.version.textContent = "";
      for (const pane of this.panes.values()) pane.replaceChildren(el("p", "uth-empty", answer.error));
      return;
    }
    if (answer.inspector_error) {
      this.status.className = "uth-status uth-error";
      this.status.textContent = answer.inspector_error;
      return;
    }
    this.doc = answer;
    this.src = new Source(code);
    this.version.textContent = `CPython ${answer.python_version}`;
    const steps = answer.trace ? `${answer.trace.length} step${answer.trace.length === 1 ? "" : "s"}` : "no steps";
    this.status.textContent = answer.syntax_error
      ? `${answer.syntax_error.type} at line ${answer.syntax_error.lineno ?? "?"}: the code never ran.`
      : `${answer.tokens.length} tokens, ${answer.bytecode?.length ?? 0} code objects, ${steps}${answer.trace_truncated ? " (capped)" : ""}.`;
    this.select(this.active, false);
  }
}

window.pyguideUnderTheHood = { mount: (host) => void new Panel(host) };
