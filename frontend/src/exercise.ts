// The exercise widget, loaded by editor.js only on pages with exercises (so it adds nothing to
// editor.js or to a page's first load). It enhances the server-rendered exercise (prompt,
// starter, hints and solution in <details>): the starter becomes an editor (made by editor.js),
// with Check (POST /api/exercise), Reset, hints revealed one at a time and the solution after a
// first attempt or a second click. A passed check is remembered by app.js (markDone); the
// learner's edited code is kept per exercise in localStorage. Everything the server or the
// learner's program sends is inserted as text, never as HTML.

import { isBusy, retryCountdown } from "./retry";
import { unreachable } from "./net";
import { saveCode, savedCode } from "./saved";

type Check = { name: string; passed: boolean; expected?: string; got?: string; error?: string; source?: string };
type Verdict = {
  passed: boolean;
  summary: string;
  outcome: string;
  exit_code: number | null;
  stdout: string;
  stderr: string;
  duration_ms: number;
  truncated: boolean;
  program_error: { kind: string; message: string; line: number | null } | null;
  explanation?: PyGuideExplanation | null;
  checks: Check[];
  output: { passed: boolean; expected: string; got: string } | null;
};

const state = (window.pyguide = window.pyguide || {});
const modKey = /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘" : "Ctrl";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(label: string, cls: string): HTMLButtonElement {
  const b = el("button", cls, label);
  b.type = "button";
  return b;
}

/** A ✓ or ✗ that screen readers hear as "Passed:" or "Failed:". */
function mark(ok: boolean): HTMLElement[] {
  const glyph = el("span", "mark", ok ? "✓" : "✗");
  glyph.setAttribute("aria-hidden", "true");
  return [glyph, el("span", "visually-hidden", ok ? "Passed: " : "Failed: ")];
}

function announce(text: string) {
  const live = document.getElementById("announcer");
  if (!live) return;
  live.textContent = "";
  setTimeout(() => (live.textContent = text), 50);
}

/** Expected against got, line by line (longest common subsequence): `  ` both, `- ` expected
 * only, `+ ` got only. */
function lineDiff(expected: string, got: string): [string, string][] {
  const a = expected.split("\n");
  const b = got.split("\n");
  if (a.length * b.length > 250_000) return [...a.map((l): [string, string] => ["-", l]), ...b.map((l): [string, string] => ["+", l])];
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out: [string, string][] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) out.push([" ", a[i++]]), j++;
    else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(["+", b[j++]]);
    else out.push(["-", a[i++]]);
  }
  return out;
}

/** One labelled block of text (expected output, your output...). */
function block(label: string, text: string, cls = ""): HTMLElement {
  const box = el("div", "fb-block " + cls);
  const pre = el("pre", undefined, text === "" ? "(nothing)" : text);
  box.append(el("div", "fb-label", label), pre);
  return box;
}

class ExerciseWidget {
  readonly root: HTMLElement;
  readonly id: string;
  readonly starter: string;
  readonly editor: PyGuideEditor;
  readonly checkButton: HTMLButtonElement;
  readonly feedback: HTMLElement;
  readonly hints: HTMLDetailsElement[];
  readonly hintButton: HTMLButtonElement | null = null;
  readonly solution: HTMLDetailsElement | null;
  readonly solutionButton: HTMLButtonElement | null = null;
  readonly solutionNote: HTMLElement;
  shownHints = 0;
  attempted = false;
  solutionAsked = false;
  checking = false;
  saveTimer = 0;
  readonly editedMark: HTMLElement;

  constructor(root: HTMLElement, makeEditor: NonNullable<PyGuideState["makeEditor"]>) {
    this.root = root;
    this.id = root.dataset.exercise || "";
    const base = root.id || "exercise";
    const pre = root.querySelector("[data-code]") as HTMLElement;
    // The page's code ends with a newline; the editor would show it as an empty last line.
    this.starter = (pre.textContent || "").replace(/\n$/, "");
    const title = root.querySelector("h3")?.childNodes[1]?.textContent?.trim() || "exercise";

    // Buttons, the keyboard hint and the feedback go before the hints and the solution.
    const actions = el("div", "example-actions exercise-actions");
    const keys = el("p", "editor-hint", `${modKey}+Enter checks · Tab indents · Esc then Tab leaves the editor`);
    keys.id = `${base}-keys`;
    this.feedback = el("div", "exercise-feedback");
    this.feedback.id = `${base}-feedback`;
    this.feedback.setAttribute("aria-live", "polite");
    this.feedback.hidden = true;
    this.solutionNote = el("p", "solution-note");
    this.solutionNote.id = `${base}-solution-note`;
    this.solutionNote.hidden = true;
    const at = root.querySelector("details.hint, [data-solution]");
    if (at) at.before(actions, keys, this.solutionNote, this.feedback);
    else root.append(actions, keys, this.solutionNote, this.feedback);

    const saved = savedCode(this.id, this.starter);
    this.editor = makeEditor(pre, {
      doc: saved && !saved.stale ? saved.code : this.starter,
      label: `exercise: ${title}`,
      describedBy: keys.id,
      run: () => this.check(),
      change: () => this.changed(),
    });

    this.checkButton = button("Check", "run check");
    this.checkButton.setAttribute("aria-keyshortcuts", modKey === "⌘" ? "Meta+Enter" : "Control+Enter");
    this.checkButton.title = `Check your answer (${modKey}+Enter)`;
    const reset = button("Reset", "reset");
    reset.setAttribute("aria-label", "Reset the code to the starter");
    this.editedMark = el("span", "edited-mark", "edited");
    this.editedMark.title = "You changed this code; it is kept in this browser. Reset brings back the starter.";
    this.editedMark.hidden = !saved || saved.stale;
    actions.append(this.checkButton, reset);
    if (saved?.stale) this.offerStale(saved.code, actions);
    this.checkButton.addEventListener("click", () => this.check());
    // Leaving or reloading the page right after an edit must not lose it.
    window.addEventListener("pagehide", () => {
      if (this.saveTimer) this.save();
    });
    reset.addEventListener("click", () => {
      this.editor.setCode(this.starter);
      this.editor.markLine(null);
      this.save();
      this.root.querySelector(".stale-offer")?.remove();
      // The feedback was about the code just thrown away.
      this.feedback.replaceChildren();
      this.feedback.hidden = true;
      announce("Code reset to the starter");
    });

    // Hints: hidden, then revealed one at a time, in order.
    this.hints = Array.from(root.querySelectorAll<HTMLDetailsElement>("details.hint"));
    this.hints.forEach((h) => (h.hidden = true));
    if (this.hints.length) {
      this.hintButton = button("", "hint-button");
      this.paintHintButton();
      this.hintButton.addEventListener("click", () => this.showHint());
      actions.append(this.hintButton);
    }

    // The solution: one click after a first Check; before that, a second click confirms.
    this.solution = root.querySelector<HTMLDetailsElement>("[data-solution]");
    if (this.solution) {
      this.solution.hidden = true;
      this.solutionButton = button("Show solution", "solution-button");
      this.solutionButton.addEventListener("click", () => this.askSolution());
      actions.append(this.solutionButton);
    }
    actions.append(this.editedMark);
  }

  /** The author changed the starter since the learner's edit: offer the edit, don't load it. */
  offerStale(code: string, actions: HTMLElement) {
    const offer = el("div", "stale-offer");
    offer.setAttribute("role", "note");
    const use = button("Use my edit", "stale-use");
    const drop = button("Discard it", "stale-drop");
    offer.append(el("span", undefined, "This exercise changed since you edited it. Your edit of the old version is kept. "), use, " ", drop);
    actions.before(offer);
    use.addEventListener("click", () => {
      this.editor.setCode(code);
      this.save();
      offer.remove();
      this.editor.focus();
      announce("Your edit is back in the editor");
    });
    drop.addEventListener("click", () => {
      saveCode(this.id, this.starter, null);
      offer.remove();
      this.checkButton.focus();
      announce("Your old edit was discarded");
    });
  }

  changed() {
    this.editedMark.hidden = this.editor.code() === this.starter;
    clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.save(), 300);
  }

  /** Keeps the code now (an edit's save otherwise waits 300 ms for the typing to stop). */
  save() {
    clearTimeout(this.saveTimer);
    this.saveTimer = 0;
    saveCode(this.id, this.starter, this.editor.code());
  }

  paintHintButton() {
    const b = this.hintButton;
    if (!b) return;
    const next = this.shownHints + 1;
    b.textContent = `Show hint ${next} of ${this.hints.length}`;
  }

  showHint() {
    const hint = this.hints[this.shownHints];
    if (!hint) return;
    hint.hidden = false;
    hint.open = true;
    this.shownHints++;
    announce(`Hint ${this.shownHints} of ${this.hints.length}: ${hint.textContent?.replace(/^\s*Hint \d+ of \d+/, "").trim()}`);
    if (this.shownHints < this.hints.length) {
      this.paintHintButton();
    } else if (this.hintButton) {
      // Every hint is out: the button goes, and the focus moves to the last hint.
      this.hintButton.hidden = true;
      hint.querySelector("summary")?.focus();
    }
  }

  askSolution() {
    if (this.attempted || this.solutionAsked) {
      this.showSolution();
      return;
    }
    // Before any attempt: say why it is worth trying first, and ask for a second click.
    this.solutionAsked = true;
    this.solutionNote.hidden = false;
    this.solutionNote.textContent = "Trying first helps you learn, even if your answer is wrong. Press “Yes, show the solution” to see it now.";
    if (this.solutionButton) {
      this.solutionButton.textContent = "Yes, show the solution";
      this.solutionButton.setAttribute("aria-describedby", this.solutionNote.id);
    }
    announce(this.solutionNote.textContent);
  }

  showSolution() {
    const sol = this.solution;
    if (!sol) return;
    sol.hidden = false;
    sol.open = true;
    this.solutionNote.hidden = true;
    if (this.solutionButton) this.solutionButton.hidden = true;
    sol.querySelector("summary")?.focus();
    announce("Solution shown below the result");
  }

  /** After a first attempt, Show solution needs one click. */
  attemptMade() {
    this.attempted = true;
    if (this.solutionButton && !this.solutionAsked) this.solutionButton.textContent = "Show solution";
  }

  // ---- Checking

  async check() {
    if (this.checking) return;
    this.checking = true;
    if (this.saveTimer) this.save();
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
    this.checkButton.setAttribute("aria-disabled", "true");
    this.editor.markLine(null);
    this.feedback.hidden = false;
    this.feedback.setAttribute("aria-busy", "true");
    this.feedback.replaceChildren(el("p", "verdict verdict-pending", "Checking your answer…"));
    let body: Verdict | { error?: string } | null = null;
    let status = 0;
    let retryAfter = 2;
    try {
      const res = await fetch("/api/exercise", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ exercise: this.id, code: this.editor.code() }),
      });
      status = res.status;
      retryAfter = Number(res.headers.get("Retry-After")) || 2;
      body = await res.json().catch(() => null);
    } catch {
      status = 0;
    }
    this.checking = false;
    this.checkButton.removeAttribute("aria-disabled");
    this.feedback.removeAttribute("aria-busy");
    if (status === 200 && body && "passed" in body) {
      this.show(body);
      return;
    }
    if (isBusy(status)) {
      this.feedback.replaceChildren();
      this.checkButton.setAttribute("aria-disabled", "true");
      retryCountdown(this.feedback, retryAfter, "checking", () => {
        this.checkButton.removeAttribute("aria-disabled");
        void this.check();
      });
      return;
    }
    const text =
      status === 0
          ? unreachable("Your answer could not be sent.")
          : (body && "error" in body && body.error) || `Your answer could not be checked (HTTP ${status}). Try again.`;
    const p = el("p", "verdict verdict-error", text);
    if (!navigator.onLine) p.dataset.offline = "true"; // cleared by app.js when back online
    this.feedback.replaceChildren(p);
  }

  show(v: Verdict) {
    this.attemptMade();
    const parts: HTMLElement[] = [];
    const verdict = el("p", `verdict ${v.passed ? "verdict-pass" : "verdict-fail"}`);
    verdict.append(...mark(v.passed), el("strong", undefined, v.passed ? "Passed. " : "Not yet. "), v.summary);
    parts.push(verdict);

    const err = v.program_error;
    let errorBox: HTMLElement | null = null;
    if (err) {
      const box = (errorBox = el("div", "error-box"));
      box.setAttribute("role", "note");
      box.append(el("strong", undefined, err.message));
      if (err.line !== null && err.line !== undefined) {
        box.append(` — line ${err.line} of your code, highlighted in the editor.`);
        this.editor.markLine(err.line);
      }
      parts.push(box);
    }

    if (v.checks.length) {
      const list = el("ul", "checks");
      list.setAttribute("aria-label", "Checks");
      for (const c of v.checks) {
        const li = el("li", `check ${c.passed ? "check-pass" : "check-fail"}`);
        li.append(...mark(c.passed), el("span", "check-name", c.name));
        if (!c.passed && c.expected !== undefined && c.got !== undefined) {
          const dl = el("dl", "check-values");
          dl.append(el("dt", undefined, "Expected"), el("dd", undefined, ""), el("dt", undefined, "Got"), el("dd", undefined, ""));
          dl.children[1].append(el("code", undefined, c.expected));
          dl.children[3].append(el("code", undefined, c.got));
          li.append(dl);
        }
        if (c.error) li.append(el("p", "check-error", c.error));
        if (c.source) li.append(el("pre", "check-source", c.source));
        list.append(li);
      }
      parts.push(list);
    }

    const out = v.output;
    if (out) {
      const box = el("div", `output-check ${out.passed ? "check-pass" : "check-fail"}`);
      const head = el("p", "check");
      head.append(...mark(out.passed), out.passed ? "The output is what was asked." : "The output differs from what was asked:");
      box.append(head);
      if (!out.passed) {
        if (out.expected.includes("...")) {
          // `...` matches anything: a line diff would flag it; show both instead.
          box.append(block("Expected output", out.expected), block("Your output", out.got));
        } else {
          const diff = el("pre", "diff");
          diff.setAttribute("aria-label", "Expected against your output: lines with a minus are expected, lines with a plus are yours");
          for (const [op, line] of lineDiff(out.expected.replace(/\n$/, ""), out.got.replace(/\n$/, ""))) {
            const span = el("span", op === "-" ? "del" : op === "+" ? "ins" : "same", `${op === " " ? " " : op} ${line}\n`);
            diff.append(span);
          }
          box.append(el("div", "fb-label", "− expected   + your output"), diff);
        }
      }
      parts.push(box);
    }

    // What the program printed (the checks print nothing), and how the run ended.
    if (v.stdout || v.stderr) {
      const pane = el("div", "output");
      pane.append(el("div", "output-label", "Your program printed:"));
      const con = el("pre", "console");
      if (v.stdout) con.append(el("span", "stdout", v.stdout));
      if (v.stderr) con.append(el("span", "stderr", v.stderr));
      pane.append(con);
      if (v.truncated) pane.append(el("p", "fb-label", "The output was cut at the limit."));
      parts.push(pane);
    }
    const limit = !["success", "error"].includes(v.outcome);
    const status = el("p", `status status-${limit ? v.outcome : v.passed ? "success" : "checked"}`);
    status.textContent = `Checked in ${Math.round(v.duration_ms)} ms`;
    parts.push(status);

    if (v.passed) {
      state.markDone?.(this.id);
      const done = this.root.querySelector<HTMLElement>("[data-exercise-done]");
      if (done) done.hidden = false;
    }
    this.feedback.replaceChildren(...parts);
    // What the learner's error means, under it (explain.js, loaded by editor.js on first use).
    if (errorBox && v.explanation) state.explain?.(errorBox, v.explanation);
  }
}

function mountAll() {
  const make = state.makeEditor;
  if (!make) return;
  const widgets: ExerciseWidget[] = [];
  document.querySelectorAll<HTMLElement>("[data-exercise]").forEach((root) => {
    if (root.dataset.mounted || !root.querySelector("[data-code]")) return;
    root.dataset.mounted = "true";
    widgets.push(new ExerciseWidget(root, make));
  });
  // "Skip to the first editor" pressed before the editors were made, on a page that starts
  // with an exercise.
  if (state.focusFirst && widgets.length) {
    state.focusFirst = false;
    widgets[0].editor.focus();
  }
}

mountAll();
