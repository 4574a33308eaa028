// "Under the hood", the part inside the editor bundle: the button, the editor's highlights and
// the lazy loader of the panel. The panel itself (inspect.js + inspect.css) is a separate file,
// fetched on the first click, so it adds nothing to a page's first load or to editor.js.

import { StateEffect, StateField, type Extension, type Text } from "@codemirror/state";
import { Decoration, EditorView, type DecorationSet } from "@codemirror/view";
import type { Pos, UthHost } from "./types";

type Marks = Record<string, { from: number; to: number; cls: string; line: boolean }[]>;
const setMarks = StateEffect.define<{ kind: string; marks: Marks[string] }>();

/** Marks by kind (hover, selection, current step...), dropped on any edit: positions move. */
const marks = StateField.define<Marks>({
  create: () => ({}),
  update(value, tr) {
    let next = tr.docChanged ? {} : value;
    for (const e of tr.effects) if (e.is(setMarks)) next = { ...next, [e.value.kind]: e.value.marks };
    return next;
  },
  provide: (f) =>
    EditorView.decorations.from(f, (all): DecorationSet => {
      const ranges = [];
      for (const list of Object.values(all)) {
        for (const m of list) {
          if (m.line) ranges.push(Decoration.line({ class: m.cls }).range(m.from));
          else if (m.to > m.from) ranges.push(Decoration.mark({ class: m.cls }).range(m.from, m.to));
        }
      }
      return Decoration.set(ranges, true);
    }),
});

type Listeners = { cursor?: (p: Pos) => void; change?: () => void };
const listeners = new WeakMap<EditorView, Listeners>();

/** Added to every example's editor: the marks, and the cursor and edit notifications. */
export const underTheHoodExtension: Extension = [
  marks,
  EditorView.updateListener.of((u) => {
    const l = listeners.get(u.view);
    if (!l) return;
    if (u.docChanged) l.change?.();
    else if (u.selectionSet && u.transactions.some((t) => t.isUserEvent("select"))) l.cursor?.(posOf(u.state.doc, u.state.selection.main.head));
  }),
];

function posOf(doc: Text, offset: number): Pos {
  const line = doc.lineAt(offset);
  return [line.number, offset - line.from];
}

function offsetOf(doc: Text, [line, col]: Pos): number {
  if (line < 1) return 0;
  if (line > doc.lines) return doc.length;
  const l = doc.line(line);
  return l.from + Math.max(0, Math.min(col, l.length));
}

let loading: Promise<void> | null = null;

/** Loads inspect.css and inspect.js once (their hashed URLs are on <body>). */
function loadPanel(): Promise<void> {
  if (!loading) {
    const { inspect, inspectCss } = document.body.dataset;
    const load = (node: HTMLScriptElement | HTMLLinkElement) =>
      new Promise<void>((ok, fail) => {
        node.onload = () => ok();
        node.onerror = () => fail(new Error("load"));
        document.head.append(node);
      });
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = inspectCss || "";
    const js = document.createElement("script");
    js.src = inspect || "";
    loading = Promise.all([load(css), load(js)]).then(() => undefined);
    loading.catch(() => (loading = null));
  }
  return loading;
}

/** Adds the "Under the hood" button to an example; the panel mounts on the first click. */
export function attachUnderTheHood(ex: {
  root: HTMLElement;
  view: EditorView;
  files: Record<string, string>;
  stdinBox: HTMLTextAreaElement | null;
}) {
  const { root, view } = ex;
  const actions = root.querySelector(".example-actions");
  const output = root.querySelector("[data-output]");
  if (!actions || !output) return;
  const id = `${root.id || "example"}-uth`;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "uth-toggle";
  button.textContent = "Under the hood";
  button.title = "Tokens, syntax tree, bytecode and every step of this code, from CPython";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", id);
  actions.append(button);
  const panel = document.createElement("section");
  panel.className = "uth";
  panel.id = id;
  panel.hidden = true;
  panel.setAttribute("aria-label", `Under the hood: ${root.getAttribute("aria-label") || "example"}`);
  output.after(panel);

  const l: Listeners = {};
  listeners.set(view, l);
  const hover: { cb?: (line: number | null) => void } = {};
  let lastHover: number | null = null;
  view.contentDOM.addEventListener("mousemove", (ev) => {
    if (!hover.cb) return;
    const at = view.posAtCoords({ x: ev.clientX, y: ev.clientY });
    const line = at === null ? null : view.state.doc.lineAt(at).number;
    if (line !== lastHover) hover.cb((lastHover = line));
  });
  view.contentDOM.addEventListener("mouseleave", () => {
    if (lastHover !== null) hover.cb?.((lastHover = null));
  });

  const scrollTo = (offset: number) => EditorView.scrollIntoView(offset, { y: "nearest" });
  const host: UthHost = {
    root,
    panel,
    button,
    label: root.getAttribute("aria-label") || "example",
    code: () => view.state.doc.toString(),
    files: () => ex.files,
    stdin: () => ex.stdinBox?.value || undefined,
    mark(kind, ranges, cls, scroll) {
      const doc = view.state.doc;
      const list = ranges.map((r) => ({ from: offsetOf(doc, r.from), to: offsetOf(doc, r.to), cls, line: false }));
      const effects: StateEffect<unknown>[] = [setMarks.of({ kind, marks: list })];
      if (scroll && list.length) effects.push(scrollTo(list[0].from));
      view.dispatch({ effects });
    },
    markLines(kind, lines, cls, scroll) {
      const doc = view.state.doc;
      const list = lines
        .filter((n) => n >= 1 && n <= doc.lines)
        .map((n) => ({ from: doc.line(n).from, to: doc.line(n).from, cls, line: true }));
      const effects: StateEffect<unknown>[] = [setMarks.of({ kind, marks: list })];
      if (scroll && list.length) effects.push(scrollTo(list[0].from));
      view.dispatch({ effects });
    },
    onCursor: (cb) => (l.cursor = cb),
    onHoverLine: (cb) => (hover.cb = cb),
    onChange: (cb) => (l.change = cb),
  };

  // Mounted once, even if the button is pressed again while the panel is still loading.
  let mounting: Promise<void> | null = null;
  let mounted = false;
  button.addEventListener("click", async () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
    if (!open) {
      view.dispatch({ effects: Object.keys(view.state.field(marks)).map((kind) => setMarks.of({ kind, marks: [] })) });
      return;
    }
    if (mounted) {
      panel.dispatchEvent(new CustomEvent("uth-open"));
      return;
    }
    if (mounting) return;
    panel.setAttribute("aria-busy", "true");
    panel.textContent = "Loading…";
    mounting = loadPanel().then(() => {
      mounted = true;
      panel.removeAttribute("aria-busy");
      window.pyguideUnderTheHood?.mount(host);
    });
    try {
      await mounting;
    } catch {
      mounting = null;
      panel.removeAttribute("aria-busy");
      panel.textContent = "The Under the hood view could not be loaded. Check your connection and try again.";
      button.setAttribute("aria-expanded", "false");
      panel.hidden = false;
    }
  });
}
