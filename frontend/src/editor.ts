// The editor bundle, loaded by app.js only on pages with examples: CodeMirror 6 for each
// example, and the runner UI — streaming output over a WebSocket (protocol in README.md),
// interactive input(), Stop, Reset, Copy, Share, and traceback line highlighting; the learner's
// edits are kept in localStorage (saved.ts) and come back after a reload.
// Everything a program prints is inserted as text, never as HTML.

import { EditorState, StateEffect, StateField, Prec, type Extension } from "@codemirror/state";
import {
  EditorView,
  Decoration,
  type DecorationSet,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  drawSelection,
  highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, indentOnInput, syntaxHighlighting, indentUnit } from "@codemirror/language";
import { pythonLanguage } from "@codemirror/lang-python";
import { classHighlighter } from "@lezer/highlight";
import { attachUnderTheHood, underTheHoodExtension } from "./inspect/hook";
import { isBusy, retryCountdown } from "./retry";
import { OFFLINE, unreachable } from "./net";
import { saveCode, savedCode } from "./saved";

type Files = Record<string, string>;
type ServerMsg =
  | { type: "started"; interactive: boolean }
  | { type: "stdout" | "stderr"; data: string }
  | {
      type: "exit";
      outcome: string;
      exit_code: number | null;
      duration_ms: number;
      truncated: boolean;
      message: string;
      explanation?: PyGuideExplanation | null;
      images_dropped?: number;
    }
  | ({ type: "image" } & PyGuidePicture)
  | { type: "queued"; position: number }
  | { type: "error"; error: string; status?: number; retry_after?: number };

const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
const modKey = isMac ? "⌘" : "Ctrl";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(label: string, cls: string, aria?: string): HTMLButtonElement {
  const b = el("button", cls, label);
  b.type = "button";
  if (aria) b.setAttribute("aria-label", aria);
  return b;
}

/** Announces a short message to screen readers (the page's polite live region). */
function announce(text: string) {
  const live = document.getElementById("announcer");
  if (!live) return;
  live.textContent = "";
  setTimeout(() => (live.textContent = text), 50);
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API refused (permissions, insecure context): fall back to a selection copy.
    const ta = el("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "offscreen";
    document.body.append(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}

// ---- The failing line of a traceback, highlighted in the editor until the next edit.
const setErrorLine = StateEffect.define<number | null>();
const errorLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    if (tr.docChanged) return Decoration.none;
    for (const e of tr.effects) {
      if (e.is(setErrorLine)) {
        if (e.value === null || e.value < 1 || e.value > tr.state.doc.lines) return Decoration.none;
        const line = tr.state.doc.line(e.value);
        return Decoration.set([Decoration.line({ class: "cm-error-line", attributes: { title: "The error happened here" } }).range(line.from)]);
      }
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** The line in main.py where the error happened: the last main.py frame of the traceback. */
export function failingLine(stderr: string): number | null {
  let line: number | null = null;
  for (const m of stderr.matchAll(/File "([^"]*)", line (\d+)/g)) {
    const file = m[1].split(/[\\/]/).pop();
    if (file === "main.py" || file === "<string>") line = Number(m[2]);
  }
  return line;
}

/** The last line of a traceback: `ZeroDivisionError: division by zero`. */
function errorSummary(stderr: string): string | null {
  if (!/Traceback \(most recent call last\)|File "[^"]*", line \d+/.test(stderr)) return null;
  const lines = stderr.trimEnd().split("\n");
  const last = lines[lines.length - 1]?.trim();
  return last || null;
}

/** The site's colours for the selection and the cursor. One theme for every editor: a theme made
 * per editor would add a new stylesheet for each, and restyle the whole page each time. */
const siteTheme = EditorView.theme({
  ".cm-selectionBackground, &.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground": {
    background: "var(--sel)",
  },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--fg)" },
});

/** Everything an editor has (examples and exercises): Python, the site's highlighting, the
 * error-line highlight, CSP-safe typing, and `Mod-Enter` for `run` (Run, or Check). */
function editorExtensions(label: string, run: () => void): Extension[] {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    pythonLanguage,
    indentUnit.of("    "),
    EditorState.tabSize.of(4),
    // Same `tok-*` classes as the server's highlighter, styled by style.css (both themes).
    syntaxHighlighting(classHighlighter),
    errorLine,
    // Typing over a selection: Chrome would edit the DOM itself and keep the old text's look
    // with <span style="...">, which the CSP refuses (a console error). Do the edit here.
    EditorView.domEventHandlers({
      beforeinput(event, view) {
        if (event.inputType !== "insertText" || !event.data || event.isComposing || view.composing) return false;
        if (view.state.selection.ranges.every((r) => r.empty)) return false;
        event.preventDefault();
        view.dispatch(view.state.replaceSelection(event.data), { userEvent: "input.type", scrollIntoView: true });
        return true;
      },
    }),
    // CodeMirror injects its styles in a <style> element; the page's CSP admits it by nonce.
    EditorView.cspNonce.of(document.body.dataset.styleNonce || ""),
    siteTheme,
    Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => (run(), true) }])),
    // Tab indents; CodeMirror's escape hatch (Esc, then Tab) moves focus on for keyboard users.
    keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
    // tabindex: the editable area is already a Tab stop; saying so lets checkers (axe) see that
    // the scroller around it is reachable by keyboard (a long line scrolls it sideways on a phone).
    EditorView.contentAttributes.of({ "aria-label": `Python code, ${label}`, tabindex: "0" }),
  ];
}

/** Highlights `line` (1-based; null clears) until the next edit, and scrolls to it. */
function markErrorLine(view: EditorView, line: number | null) {
  const effects: StateEffect<unknown>[] = [setErrorLine.of(line)];
  if (line !== null && line >= 1 && line <= view.state.doc.lines) {
    effects.push(EditorView.scrollIntoView(view.state.doc.line(line).from, { y: "nearest" }));
  }
  view.dispatch({ effects });
}

function wsUrl(): string {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/run/ws";
}

class Example {
  readonly root: HTMLElement;
  readonly view: EditorView;
  readonly original: string;
  readonly files: Files = {};
  readonly stdinBox: HTMLTextAreaElement | null;
  readonly out: HTMLElement;
  readonly runButton: HTMLButtonElement;
  readonly stopButton: HTMLButtonElement;
  readonly shareBox: HTMLElement;
  ws: WebSocket | null = null;
  console: HTMLElement | null = null;
  inputLine: HTMLElement | null = null;
  inputField: HTMLInputElement | null = null;
  stderr = "";
  finished = false;
  /** Cancels a pending retry after the server said it was busy. */
  cancelRetry: (() => void) | null = null;
  /** Where this example's edits are kept: the page and the example's anchor. */
  readonly key: string;
  readonly editedMark: HTMLElement;
  saveTimer = 0;
  /** The Output pane follows new output unless the learner scrolled up to read. */
  follow = true;
  followFrame = 0;
  clockTimer = 0;
  /** When the program seemed to wait for input (a prompt), or 0. */
  waitingSince = 0;
  readonly clock: HTMLElement | null;

  constructor(root: HTMLElement, index: number) {
    this.root = root;
    const pre = root.querySelector("[data-code]") as HTMLElement;
    // The page's code ends with a newline; the editor would show it as an empty last line.
    this.original = (pre.textContent || "").replace(/\n$/, "");
    root.querySelectorAll<HTMLElement>("[data-file]").forEach((f) => {
      this.files[f.dataset.file!] = f.querySelector("code")?.textContent || "";
    });
    this.stdinBox = root.querySelector("[data-stdin]");
    this.out = root.querySelector(".output-body") as HTMLElement;
    const label = root.getAttribute("aria-label") || `example ${index + 1}`;

    this.key = `${location.pathname}#${root.id || "ex" + index}`;
    const saved = savedCode(this.key, this.original);
    this.view = new EditorView({
      state: EditorState.create({
        doc: saved && !saved.stale ? saved.code : this.original,
        extensions: [
          ...editorExtensions(label, () => this.run()),
          underTheHoodExtension,
          EditorView.updateListener.of((u) => u.docChanged && this.changed()),
        ],
      }),
    });
    // Made apart from the page, then put in: made in place, each editor would make the browser
    // restyle the page (all the editors before it included) while it is built.
    const host = el("div", "editor");
    host.append(this.view.dom);
    pre.replaceWith(host);
    this.clock = root.querySelector("[data-clock]");
    this.out.addEventListener("scroll", () => {
      const b = this.out;
      this.follow = b.scrollHeight - b.scrollTop - b.clientHeight < 8;
    });

    // Toolbar: Run (already in the page), Stop, Reset, Copy, Share, and the keyboard hint.
    const actions = root.querySelector(".example-actions") as HTMLElement;
    this.runButton = actions.querySelector("[data-run]") as HTMLButtonElement;
    this.runButton.setAttribute("aria-keyshortcuts", isMac ? "Meta+Enter" : "Control+Enter");
    this.runButton.title = `Run (${modKey}+Enter)`;
    this.stopButton = button("Stop", "stop", "Stop the program");
    this.stopButton.disabled = true;
    const reset = button("Reset", "reset", "Reset the code to the original");
    const copy = button("Copy", "copy", "Copy the code");
    const share = button("Share", "share", "Share a link to this code");
    const hint = el("p", "editor-hint", `${modKey}+Enter runs · Tab indents · Esc then Tab leaves the editor`);
    hint.id = `${root.id || "ex" + index}-hint`;
    this.editedMark = el("span", "edited-mark", "edited");
    this.editedMark.title = "You changed this code; it is kept in this browser. Reset brings back the original.";
    this.editedMark.hidden = !saved || saved.stale;
    actions.append(this.stopButton, reset, copy, share, this.editedMark);
    if (saved?.stale) this.offerStale(saved.code, actions);
    actions.after(hint);
    this.shareBox = el("div", "share-box");
    this.shareBox.hidden = true;
    hint.after(this.shareBox);
    this.view.contentDOM.setAttribute("aria-describedby", hint.id);

    this.runButton.addEventListener("click", () => this.run());
    this.stopButton.addEventListener("click", () => this.stop());
    reset.addEventListener("click", () => this.reset());
    // Leaving or reloading the page right after an edit must not lose it.
    window.addEventListener("pagehide", () => this.saveTimer && this.save());
    copy.addEventListener("click", async () => {
      const ok = await copyText(this.code());
      copy.textContent = ok ? "Copied" : "Copy failed";
      announce(ok ? "Code copied" : "Could not copy the code");
      setTimeout(() => (copy.textContent = "Copy"), 1500);
    });
    share.addEventListener("click", () => this.share(share));
    attachUnderTheHood(this);
  }

  code(): string {
    return this.view.state.doc.toString();
  }

  // ---- Autosave

  changed() {
    this.editedMark.hidden = this.code() === this.original;
    clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.save(), 300);
  }

  save() {
    clearTimeout(this.saveTimer);
    this.saveTimer = 0;
    saveCode(this.key, this.original, this.code());
  }

  /** The original code back, its saved edit forgotten, and the output of the old code cleared. */
  reset() {
    if (this.ws) this.stop();
    this.view.dispatch({
      changes: { from: 0, to: this.view.state.doc.length, insert: this.original },
      effects: setErrorLine.of(null),
    });
    this.save();
    this.root.querySelector(".stale-offer")?.remove();
    this.out.replaceChildren(el("pre", "output-placeholder", 'Click "Run Code" to see the output'));
    this.console = null;
    announce("Code reset to the original");
  }

  /** The author changed this example since the learner's edit: offer the edit, don't load it. */
  offerStale(code: string, actions: HTMLElement) {
    const offer = el("div", "stale-offer");
    offer.setAttribute("role", "note");
    const use = button("Use my edit", "stale-use");
    const drop = button("Discard it", "stale-drop");
    offer.append(el("span", undefined, "This example changed since you edited it. Your edit of the old version is kept. "), use, " ", drop);
    actions.before(offer);
    use.addEventListener("click", () => {
      this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: code } });
      this.save();
      offer.remove();
      this.view.focus();
      announce("Your edit is back in the editor");
    });
    drop.addEventListener("click", () => {
      saveCode(this.key, this.original, null);
      offer.remove();
      this.runButton.focus();
      announce("Your old edit was discarded");
    });
  }

  // ---- Output pane

  write(kind: "stdout" | "stderr" | "echo", text: string) {
    if (!this.console) return;
    const before = this.inputLine && this.inputLine.parentNode === this.console ? this.inputLine : null;
    const prev = (before ? before.previousSibling : this.console.lastChild) as HTMLElement | null;
    if (prev && prev.nodeType === 1 && prev.dataset.kind === kind) {
      prev.textContent += text;
    } else {
      const span = el("span", kind, text);
      span.dataset.kind = kind;
      this.console.insertBefore(span, before);
    }
    if (kind === "stderr") this.stderr += text;
    this.followOutput();
  }

  /** A picture, in its place among the text (pictures.js, loaded by app.js, draws it). */
  picture(p: PyGuidePicture) {
    if (!this.console) return;
    const slot = el("span", "picture-slot");
    this.console.insertBefore(slot, this.inputLine && this.inputLine.parentNode === this.console ? this.inputLine : null);
    window.pyguide?.picture?.(slot, p);
    this.followOutput();
  }

  /** Keeps the newest output in sight (once per frame), unless the learner scrolled up. */
  followOutput() {
    if (!this.follow || this.followFrame) return;
    this.followFrame = requestAnimationFrame(() => {
      this.followFrame = 0;
      this.out.scrollTop = this.out.scrollHeight;
    });
  }

  showInputLine() {
    if (!this.console || this.inputLine) return;
    const line = el("span", "stdin-line");
    const field = el("input", "stdin-field");
    field.type = "text";
    field.autocomplete = "off";
    field.spellcheck = false;
    field.setAttribute("aria-label", "Input for the program: type and press Enter (Ctrl+D ends input)");
    field.placeholder = "type input, Enter";
    field.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        const data = field.value + "\n";
        field.value = "";
        this.write("echo", data);
        this.send({ type: "stdin", data });
        this.waitingSince = 0;
      } else if ((ev.key === "d" || ev.key === "D") && ev.ctrlKey) {
        ev.preventDefault();
        this.send({ type: "eof" });
        this.hideInputLine();
      }
    });
    line.append(field);
    this.console.append(line);
    this.inputLine = line;
    this.inputField = field;
    this.followOutput();
  }

  hideInputLine() {
    const hadFocus = this.inputField && document.activeElement === this.inputField;
    this.inputLine?.remove();
    this.inputLine = null;
    this.inputField = null;
    if (hadFocus) this.runButton.focus();
  }

  /** After a prompt (output without a final newline), put the cursor in the input line. */
  maybeFocusInput() {
    const field = this.inputField;
    if (!field || !this.console) return;
    const active = document.activeElement;
    const ours = active === document.body || (active instanceof Node && this.root.contains(active));
    if (ours && active !== field) field.focus({ preventScroll: true });
    // The program waits for input: the field in sight, above a phone's keyboard too.
    this.waitingSince = performance.now();
    this.follow = true;
    this.out.scrollTop = this.out.scrollHeight;
    field.scrollIntoView({ block: "nearest" });
  }

  send(msg: object) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  // ---- Running

  run() {
    if (this.ws) return;
    // The connection first: the page's own work below overlaps the WebSocket's handshake.
    const online = navigator.onLine;
    const ws = online ? new WebSocket(wsUrl()) : null;
    this.ws = ws;
    // An editor update only if there is a highlight to clear: each one costs a measure.
    if (this.view.state.field(errorLine).size) this.view.dispatch({ effects: setErrorLine.of(null) });
    this.stderr = "";
    this.finished = false;
    this.console = el("pre", "console");
    this.out.replaceChildren(this.console);
    this.follow = true;
    // In the next frame, with that frame's layout, rather than forcing one now.
    requestAnimationFrame(() => this.root.querySelector(".output")?.scrollIntoView({ block: "nearest" }));
    if (!ws) {
      this.console = null;
      const note = el("pre", "stderr", OFFLINE);
      note.dataset.offline = "true";
      this.out.replaceChildren(note);
      announce(OFFLINE);
      return;
    }
    this.out.setAttribute("aria-busy", "true");
    this.startClock();
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
    this.runButton.setAttribute("aria-disabled", "true");
    this.stopButton.disabled = false;
    announce("Running");

    const msg: { type: "run"; code: string; files: Files; stdin?: string } = {
      type: "run",
      code: this.code(),
      files: this.files,
    };
    if (this.stdinBox && this.stdinBox.value) msg.stdin = this.stdinBox.value;

    let promptTimer = 0;
    ws.onopen = () => ws.send(JSON.stringify(msg));
    ws.onmessage = (ev) => {
      let m: ServerMsg;
      try {
        m = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (m.type === "queued") {
        this.console?.replaceChildren(
          el("span", "output-placeholder", `Waiting for a free run slot (${m.position} ahead of you)…`),
        );
      } else if (m.type === "started") {
        this.console?.replaceChildren();
        if (m.interactive) this.showInputLine();
      } else if (m.type === "stdout" || m.type === "stderr") {
        this.write(m.type, m.data);
        this.waitingSince = 0; // it printed: it is not waiting
        clearTimeout(promptTimer);
        if (m.type === "stdout" && !m.data.endsWith("\n")) {
          promptTimer = window.setTimeout(() => this.maybeFocusInput(), 100);
        }
      } else if (m.type === "image") {
        this.picture(m);
      } else if (m.type === "exit") {
        this.finish(m);
      } else if (m.type === "error" && m.status && isBusy(m.status)) {
        this.retryLater(m.retry_after ?? 2);
      } else if (m.type === "error") {
        this.write("stderr", m.error + "\n");
        this.finish(null);
      }
    };
    ws.onclose = () => {
      if (this.finished) return;
      if (!navigator.onLine) {
        // Offline: the notice says it all; the pane says it once, and is cleared when back online.
        const note = el("pre", "stderr", OFFLINE);
        note.dataset.offline = "true";
        this.out.replaceChildren(note);
        this.console = null;
      } else {
        this.write("stderr", "The connection to the server was lost before the program finished.\n");
      }
      this.finish(null);
    };
  }

  /** The server is busy: count down, then run again (Stop cancels). */
  retryLater(seconds: number) {
    this.finished = true;
    const ws = this.ws;
    this.ws = null;
    ws?.close();
    this.console?.replaceChildren();
    this.cancelRetry = retryCountdown(this.out, seconds, "trying", () => {
      this.cancelRetry = null;
      this.runButton.removeAttribute("aria-disabled");
      this.run();
    });
  }

  stop() {
    if (this.cancelRetry) {
      this.cancelRetry();
      this.cancelRetry = null;
      this.runButton.removeAttribute("aria-disabled");
      this.stopButton.disabled = true;
      this.out.removeAttribute("aria-busy");
      return;
    }
    this.send({ type: "stop" });
    this.stopButton.disabled = true;
  }

  finish(m: Extract<ServerMsg, { type: "exit" }> | null) {
    if (this.finished) return;
    this.finished = true;
    this.stopClock();
    this.hideInputLine();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close();
    this.runButton.removeAttribute("aria-disabled");
    const stopHadFocus = document.activeElement === this.stopButton;
    this.stopButton.disabled = true;
    if (stopHadFocus) this.runButton.focus();
    this.out.removeAttribute("aria-busy");
    if (!this.console) return;
    if (!this.console.textContent && !this.console.querySelector(".picture-slot,.picture")) this.console.append(el("span", "output-placeholder", "(no output)"));
    if (!m) {
      announce("The run failed");
      return;
    }
    if (m.images_dropped) this.console.append(el("span", "output-placeholder", `\n(${m.images_dropped} more pictures not shown: at most 8 per run)\n`));
    const summary = m.outcome === "error" ? errorSummary(this.stderr) : null;
    const line = summary ? failingLine(this.stderr) : null;
    if (summary) {
      const box = el("div", "error-box");
      box.setAttribute("role", "note");
      box.append(el("strong", undefined, summary));
      if (line !== null) {
        box.append(el("span", undefined, ` — line ${line} of your code, highlighted in the editor.`));
        markErrorLine(this.view, line);
      }
      this.out.append(box);
      if (m.explanation) window.pyguide?.explain?.(box, m.explanation);
    }
    const status = el("p", `status status-${m.outcome}`, m.message);
    this.out.append(status);
    this.keepInView();
    announce(m.message + (summary ? ". " + summary : ""));
  }

  /** While the learner looks at the Output pane (its top on screen), all of it stays in sight
   * as it grows: the status line at the end included, on a phone too. */
  keepInView() {
    const pane = this.root.querySelector(".output");
    if (!pane) return;
    const r = pane.getBoundingClientRect();
    if (r.top >= 0 && r.top < innerHeight && r.bottom > innerHeight) pane.scrollIntoView({ block: "nearest" });
  }

  /** "Running… 1.2 s" beside the Output label while the program runs (not a live region: the
   * start and the end are announced, not every tick). */
  startClock() {
    const clock = this.clock;
    if (!clock) return;
    let ran = 0;
    let last = performance.now();
    // While the program waits at a prompt, the clock stands still, as the server's does.
    const tick = () => {
      const now = performance.now();
      if (this.waitingSince === 0) ran += now - last;
      last = now;
      clock.textContent = this.waitingSince ? "Waiting for your input" : `Running… ${(ran / 1000).toFixed(1)} s`;
    };
    tick();
    this.clockTimer = window.setInterval(tick, 100);
  }

  stopClock() {
    clearInterval(this.clockTimer);
    this.waitingSince = 0;
    if (this.clock) this.clock.textContent = "";
  }

  // ---- Share

  async share(btn: HTMLButtonElement) {
    btn.disabled = true;
    this.shareBox.hidden = false;
    this.shareBox.replaceChildren(el("span", undefined, "Saving…"));
    try {
      const res = await fetch("/api/share", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ code: this.code(), files: this.files }),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok || !data.url) throw new Error(data.error || "The link could not be saved.");
      const url = new URL(data.url, location.href).href;
      const label = el("label", undefined, "Link to this code: ");
      const field = el("input", "share-url");
      field.readOnly = true;
      field.value = url;
      field.id = `${this.root.id || "ex"}-share-url`;
      label.htmlFor = field.id;
      const open = el("a", "share-open", "Open");
      open.href = url;
      const copied = await copyText(url);
      this.shareBox.replaceChildren(label, field, open, el("span", "share-note", copied ? " Copied to the clipboard." : ""));
      field.focus();
      field.select();
      announce(copied ? "Link created and copied" : "Link created");
    } catch (e) {
      // fetch's own TypeError ("Failed to fetch") is not for the learner's eyes.
      const words = e instanceof TypeError ? unreachable("The link could not be saved.") : (e as Error).message;
      const note = el("span", "stderr", words || "Sharing failed.");
      if (!navigator.onLine) note.dataset.offline = "true"; // cleared by app.js when back online
      this.shareBox.replaceChildren(note);
    } finally {
      btn.disabled = false;
    }
  }
}

/** Makes the editor of one example (once), and remembers it. */
const examples = new Map<HTMLElement, Example>();
function mount(root: HTMLElement): Example {
  let ex = examples.get(root);
  if (!ex) {
    root.dataset.mounted = "true";
    ex = new Example(root, Array.from(document.querySelectorAll("[data-example]")).indexOf(root));
    examples.set(root, ex);
  }
  return ex;
}

/** The editors on screen first, at once; the others in slices, when the browser is idle, so
 * that a long page is interactive as soon as what the learner sees is. A Run pressed on an
 * example not yet mounted mounts it and runs it. */
function mountAll() {
  const t0 = performance.now();
  const all = Array.from(document.querySelectorAll<HTMLElement>("[data-example]")).filter((r) => !r.dataset.mounted);
  const near = (r: HTMLElement) => {
    const b = r.getBoundingClientRect();
    return b.bottom > -innerHeight / 2 && b.top < innerHeight * 1.5;
  };
  const later = all.filter((r) => !near(r));
  all.filter(near).forEach(mount);
  const state = (window.pyguide = window.pyguide || {});
  state.editorLoaded = true;
  // For the felt-speed bench (e2e/bench): when the editors in view were ready.
  performance.measure("pyguide-mount", { start: t0 });
  const pending = state.pendingRun;
  state.pendingRun = null;
  if (pending) mount(pending).run();
  const first = document.querySelector<HTMLElement>("[data-example], [data-exercise]");
  if (state.focusFirst && first?.matches("[data-example]")) {
    // (An exercise's editor comes from exercise.js, which focuses it.)
    state.focusFirst = false;
    mount(first).view.focus();
  }
  document.addEventListener("click", (ev) => {
    const root = (ev.target as Element).closest?.("[data-example]") as HTMLElement | null;
    if (root && !root.dataset.mounted && (ev.target as Element).closest("[data-run]")) mount(root).run();
  });
  document.addEventListener("focusin", (ev) => {
    const root = (ev.target as Element).closest?.("[data-example]") as HTMLElement | null;
    if (root && !root.dataset.mounted) mount(root);
  });
  const idle: (f: (d?: { timeRemaining(): number }) => void) => void =
    (window as any).requestIdleCallback?.bind(window) || ((f: () => void) => setTimeout(f, 16));
  const slice = (deadline?: { timeRemaining(): number }) => {
    do {
      const next = later.shift();
      if (next && !next.dataset.mounted) mount(next);
    } while (later.length && deadline && deadline.timeRemaining() > 8);
    if (later.length) idle(slice);
    else performance.measure("pyguide-mount-all", { start: t0 });
  };
  if (later.length) idle(slice);
  else performance.measure("pyguide-mount-all", { start: t0 });
}

/** Editors for exercise.js, which is loaded only on pages with exercises (CodeMirror stays here). */
function makeEditor(
  pre: HTMLElement,
  opts: { doc: string; label: string; describedBy: string; run: () => void; change: () => void },
): PyGuideEditor {
  const host = el("div", "editor");
  pre.replaceWith(host);
  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: opts.doc,
      extensions: [
        ...editorExtensions(opts.label, opts.run),
        EditorView.updateListener.of((u) => u.docChanged && opts.change()),
      ],
    }),
  });
  view.contentDOM.setAttribute("aria-describedby", opts.describedBy);
  return {
    code: () => view.state.doc.toString(),
    setCode: (code) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: code } }),
    markLine: (line) => markErrorLine(view, line),
    focus: () => view.focus(),
  };
}

function loadExercises() {
  const url = document.body.dataset.exerciseJs;
  if (!url || !document.querySelector("[data-exercise]")) return;
  const s = el("script");
  s.src = url;
  s.onerror = () => {
    document.querySelectorAll("[data-exercise] .example-main").forEach((m) => {
      m.after(el("p", "stderr", "The exercise checker could not be loaded. Check your connection and reload."));
    });
  };
  document.head.append(s);
}

(window.pyguide = window.pyguide || {}).makeEditor = makeEditor;
mountAll();
loadExercises();
