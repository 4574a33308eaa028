// The Execution view: step through the run (buttons, a slider, ←/→). Each step shows, as Python
// Tutor does, the code with the line about to run and the frames/objects diagram side by side
// (from 1100 px wide; one above the other on narrower screens): a sentence saying what the step
// does, the call stack with each frame's variables, the objects they reference as boxes (small
// id, real id(), type, value, reference count) with SVG arrows, what changed since the step
// before highlighted, the garbage collector's work, and the output so far.

import { button, el, pyStr, scrollWithin } from "./dom";
import type { View } from "./main";
import { narrate, rebuild, type FrameState, type State } from "./state";
import type { HeapObject, Ref } from "./types";

const SVG = "http://www.w3.org/2000/svg";

function literal(r: { value: null | boolean | number | string; type: string }): string {
  const v = r.value;
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return pyStr(v);
  if (r.type === "float" && Number.isInteger(v)) return `${v}.0`;
  return String(v);
}

function refsOf(o: HeapObject): Ref[] {
  const out: Ref[] = [...(o.items ?? [])];
  for (const [k, v] of o.entries ?? []) out.push(k, v);
  out.push(...Object.values(o.attrs ?? {}), ...Object.values(o.closure ?? {}));
  return out;
}

/** Text with `code` between backticks, as nodes. */
function withCode(text: string): (Node | string)[] {
  return text.split("`").map((part, i) => (i % 2 ? el("code", undefined, part) : part));
}

const truncationWords: Record<string, string> = {
  max_steps: "The trace is capped at {n} steps (as Python Tutor does): the program was stopped after step {n}, so what you see is the beginning of a run that did not finish in time, such as a loop that never ends.",
  max_trace_bytes: "The trace got too big to record in full: it stops early, but the program ran on to its end (its output and outcome are real).",
  timeout: "The program ran past the inspector's time limit and was stopped: the trace is partial.",
  max_output: "The program printed far too much and was stopped: the trace is partial.",
};

export function executionView(v: View): HTMLElement {
  const { doc, src } = v;
  const box = el("div", "uth-exec");
  const trace = doc.trace;
  if (!trace) {
    box.append(el("p", "uth-empty", "The program never ran: Python checks the whole file for syntax errors before it runs any of it."));
    return box;
  }
  box.append(
    el(
      "p",
      "uth-lead",
      "Every step of the run, as CPython's tracing hook sees it: the marked line is the one about to run, and what changed since the step before is highlighted. Variables live in frames; arrows lead to the objects they refer to. Each object has a small id for this run (id 1, id 2…) and its real id(). ← and → step when the controls have the focus.",
    ),
  );
  if (doc.trace_truncated && doc.truncation_reason) {
    const words = truncationWords[doc.truncation_reason].replace(/\{n\}/g, String(doc.limits.max_steps));
    const note = el("p", "uth-note uth-capped", words);
    note.setAttribute("role", "note");
    box.append(note);
  }
  if (!trace.length) {
    box.append(el("p", "uth-empty", "No step was recorded."));
    return box;
  }
  const states: State[] = rebuild(trace);
  // A function's parameters, from its code object in the bytecode (found by name and first line).
  const params = (func: string, firstLine: number | null): string[] | null => {
    const c = doc.bytecode?.find((x) => x.name === func && x.firstlineno === firstLine);
    if (!c) return null;
    const n = c.argcount + c.kwonlyargcount + (c.flags.includes("VARARGS") ? 1 : 0) + (c.flags.includes("VARKEYWORDS") ? 1 : 0);
    return c.varnames.slice(0, n);
  };

  const last = trace.length - 1;
  // Visible labels are the accessible names; the arrows are decoration.
  const stepButton = (label: string, before: string, after: string) => {
    const b = button("", "uth-small");
    if (before) b.append(el("span", "uth-glyph", before), " ");
    b.append(label);
    if (after) b.append(" ", el("span", "uth-glyph", after));
    for (const g of b.querySelectorAll(".uth-glyph")) g.setAttribute("aria-hidden", "true");
    return b;
  };
  const first = stepButton("First", "«", "");
  const back = stepButton("Back", "◀", "");
  const fwd = stepButton("Forward", "", "▶");
  const end = stepButton("Last", "", "»");
  back.setAttribute("aria-keyshortcuts", "ArrowLeft");
  fwd.setAttribute("aria-keyshortcuts", "ArrowRight");
  const slider = el("input", "uth-slider");
  slider.type = "range";
  slider.min = "0";
  slider.max = String(last);
  slider.value = "0";
  slider.id = `${v.id}-slider`;
  slider.setAttribute("aria-label", "Step");
  const counter = el("span", "uth-counter");
  const controls = el("div", "uth-controls", first, back, fwd, end, slider, counter);
  controls.setAttribute("role", "group");
  controls.setAttribute("aria-label", "Step through the run");
  const event = el("p", "uth-event");
  event.setAttribute("aria-live", "polite");

  // The code, as Python Tutor shows it beside the diagram: the line about to run is marked, the
  // line that ran just before is marked lighter.
  const listing = el("ol", "uth-listing");
  listing.setAttribute("aria-label", "The code");
  const shown = src.lines.length > 1 && src.lines[src.lines.length - 1] === "" ? src.lines.slice(0, -1) : src.lines;
  shown.forEach((text, k) => {
    const li = el("li", undefined, el("span", "uth-lno", String(k + 1)), el("code", undefined, text || " "));
    li.dataset.line = String(k + 1);
    listing.append(li);
  });
  const listingBox = el("div", "uth-listing-box", listing);

  const frames = el("div", "uth-frames");
  const heap = el("div", "uth-heap");
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "uth-arrows");
  svg.setAttribute("aria-hidden", "true");
  const viz = el(
    "div",
    "uth-viz",
    el("div", "uth-col", el("h4", undefined, "Frames"), frames),
    el("div", "uth-col uth-col-heap", el("h4", undefined, "Objects"), heap),
  );
  viz.append(svg);
  const gc = el("p", "uth-gc");
  const out = el("pre", "uth-out");
  out.setAttribute("aria-label", "Output so far");
  const endNote = el("div", "uth-end");
  const left = el("div", "uth-side uth-side-code", controls, event, listingBox, el("div", "uth-outbox", el("h4", undefined, "Output so far"), out), endNote);
  const right = el("div", "uth-side uth-side-diagram", viz, gc);
  box.append(el("div", "uth-split", left, right));

  const markerId = `${v.id}-arrowhead`;
  let at = 0;

  const ptr = (r: Ref, heapOf: Record<string, HeapObject>): HTMLElement => {
    if ("value" in r) return el("span", `uth-val uth-t-${r.type}`, literal(r));
    if ("elided" in r) return el("span", "uth-val uth-elided", r.repr);
    const o = heapOf[r.ref];
    // A dot with an arrow side by side; on a phone (one column) the arrows would cross the
    // boxes, so the pointer says which object instead ("→ id 3").
    const label = el("span", "uth-ptr-label", `→ id ${r.ref}`);
    label.setAttribute("aria-hidden", "true");
    const p = el("span", "uth-ptr", el("span", "visually-hidden", o ? `→ ${o.type} object id ${r.ref}` : `→ object id ${r.ref}`), label);
    p.dataset.ref = r.ref;
    return p;
  };

  const table = (rows: [Node | string, Node, boolean?][], cls: string) => {
    const t = el("table", cls);
    for (const [k, val, changed] of rows) {
      const tr = el("tr", changed ? "uth-changed" : undefined, el("th", undefined, k), el("td", undefined, val));
      t.append(tr);
    }
    return t;
  };

  const frameLabel = (f: FrameState) => (f.func === "<module>" ? "Global frame" : f.func);

  const objectBox = (id: string, o: HeapObject, s: State, garbage: boolean, ghost = false): HTMLElement => {
    const rc = o.refcount === null ? (o.immortal ? "immortal" : "") : `refcount ${o.refcount}`;
    const changed = !ghost && s.changedObjects.has(id);
    const head = el(
      "div",
      "uth-obj-head",
      el("span", "uth-obj-type", o.kind === "class" ? "class" : o.type),
      " ",
      el("span", "uth-obj-sid", `id ${id}`),
      " ",
      el("span", "uth-obj-id", `id() ${o.id}`),
      " ",
      el("span", "uth-obj-rc", ghost ? "freed" : rc),
    );
    const b = el("div", `uth-obj uth-kind-${o.kind}${garbage ? " uth-garbage" : ""}${ghost ? " uth-ghost" : ""}${changed ? " uth-changed" : ""}`, head);
    b.dataset.id = id;
    b.setAttribute("role", "group");
    b.setAttribute(
      "aria-label",
      `${o.kind === "class" ? "class " + (o.name ?? o.type) : o.type + " object"}, id ${id}${rc ? ", " + rc : ""}${o.module ? ", imported from " + o.module : ""}${changed ? ", changed" : ""}${garbage ? ", unreachable: garbage waiting for the cycle collector" : ""}${ghost ? ", freed by the garbage collector" : ""}`,
    );
    if (o.module) b.append(el("div", "uth-imported", o.kind === "module" ? `module ${o.module}, imported` : `imported from ${o.module}`));
    if (garbage) b.append(el("div", "uth-badge", "unreachable: no variable leads here; waiting for gc"));
    if (ghost) b.append(el("div", "uth-badge", "freed by the garbage collector"));
    const more = (shown: number) =>
      o.len !== undefined && o.len > shown ? el("span", "uth-sum", ` …${o.len - shown} more`) : o.truncated ? el("span", "uth-sum", " …") : null;
    if (o.kind === "function" && o.signature) {
      b.append(el("div", "uth-sig", el("code", undefined, o.signature)));
      if (o.closure && Object.keys(o.closure).length) {
        const parent = o.parent_frame !== undefined ? ` (from frame f${o.parent_frame})` : "";
        b.append(el("div", "uth-sum", `closure${parent}:`), table(Object.entries(o.closure).map(([k, val]) => [k, ptr(val, s.heap)]), "uth-kv"));
      }
    } else if (o.kind === "class") {
      b.append(el("div", "uth-sig", el("code", undefined, `${o.name ?? o.type}${o.bases?.length ? `(${o.bases.join(", ")})` : ""}`)));
      if (o.attrs && Object.keys(o.attrs).length) b.append(table(Object.entries(o.attrs).map(([k, val]) => [k, ptr(val, s.heap)]), "uth-kv"));
    } else if (o.items) {
      const cells = el("div", "uth-cells");
      o.items.forEach((r, i) => {
        const cell = el("div", "uth-cell");
        if (o.kind !== "set") cell.append(el("span", "uth-idx", String(i)));
        cell.append(ptr(r, s.heap));
        cells.append(cell);
      });
      if (!o.items.length) cells.append(el("span", "uth-sum", "empty"));
      const m = more(o.items.length);
      if (m) cells.append(m);
      b.append(cells);
    } else if (o.entries) {
      b.append(table(o.entries.map(([k, val]) => [ptr(k, s.heap), ptr(val, s.heap)]), "uth-kv"));
      if (!o.entries.length) b.append(el("span", "uth-sum", "empty"));
      const m = more(o.entries.length);
      if (m) b.append(m);
    } else if (o.attrs) {
      if (o.repr) b.append(el("div", "uth-repr", o.repr));
      b.append(table(Object.entries(o.attrs).map(([k, val]) => [k, ptr(val, s.heap)]), "uth-kv"));
      if (o.truncated) b.append(el("span", "uth-sum", "…"));
    } else if (o.repr && o.kind !== "module") {
      b.append(el("div", "uth-repr", o.repr));
    }
    return b;
  };

  const frameBox = (f: FrameState, s: State, current: boolean, kept: boolean): HTMLElement => {
    const changed = s.changedVars.get(f.id) ?? new Set<string>();
    const fr = el("div", `uth-frame${current ? " uth-frame-current" : ""}${kept ? " uth-frame-kept" : ""}`);
    fr.dataset.frame = String(f.id);
    fr.setAttribute("role", "group");
    fr.setAttribute(
      "aria-label",
      `Frame f${f.id} of ${f.func}${current ? " (running)" : ""}${kept ? " (returned; kept alive by a closure)" : ""}, line ${f.line ?? "none"}`,
    );
    fr.append(
      el(
        "div",
        "uth-frame-head",
        el("span", "uth-obj-type", frameLabel(f)),
        " ",
        el("span", "uth-obj-sid", `f${f.id}`),
        " ",
        el("span", "uth-sum", kept ? "returned; its variables live on in a closure" : f.line ? `line ${f.line}` : ""),
      ),
    );
    const st = s.step;
    const rows: [Node | string, Node, boolean?][] = Object.entries(f.locals).map(([k, r]) => [k, ptr(r, s.heap), changed.has(k)]);
    if (current && st.event === "return" && st.return_value) rows.push([el("em", undefined, "return value"), ptr(st.return_value, s.heap), true]);
    if (current && st.event === "exception") rows.push([el("em", undefined, "exception"), el("span", "uth-val uth-exc", st.exception ?? ""), true]);
    if (rows.length) fr.append(table(rows, "uth-kv"));
    else fr.append(el("p", "uth-sum", "no variables yet"));
    return fr;
  };

  const drawArrows = () => {
    while (svg.firstChild) svg.firstChild.remove();
    if (box.offsetParent === null) return; // not shown: nothing to measure
    if (getComputedStyle(heap).flexDirection === "column") return; // one column: the pointers say "→ id 3"
    const base = viz.getBoundingClientRect();
    svg.setAttribute("width", String(viz.scrollWidth));
    svg.setAttribute("height", String(viz.scrollHeight));
    const defs = document.createElementNS(SVG, "defs");
    const marker = document.createElementNS(SVG, "marker");
    for (const [k, val] of Object.entries({ id: markerId, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" })) {
      marker.setAttribute(k, val);
    }
    const tip = document.createElementNS(SVG, "path");
    tip.setAttribute("d", "M 0 0 L 10 5 L 0 10 z");
    tip.setAttribute("class", "uth-arrowhead");
    marker.append(tip);
    defs.append(marker);
    svg.append(defs);
    for (const p of viz.querySelectorAll<HTMLElement>(".uth-ptr[data-ref]")) {
      const target = heap.querySelector<HTMLElement>(`.uth-obj[data-id="${p.dataset.ref}"]`);
      if (!target) continue;
      const a = p.getBoundingClientRect();
      const t = target.getBoundingClientRect();
      const x1 = a.left + a.width / 2 - base.left + viz.scrollLeft;
      const y1 = a.top + a.height / 2 - base.top + viz.scrollTop;
      // Into the box's left edge, or its top edge when the box is below (one column).
      const below = t.left <= a.right && t.top > a.bottom;
      const x2 = (below ? Math.min(t.right - 8, Math.max(t.left + 8, a.left)) : t.left) - base.left + viz.scrollLeft;
      const y2 = (below ? t.top : t.top + 12) - base.top + viz.scrollTop;
      const path = document.createElementNS(SVG, "path");
      if (below) {
        const dy = Math.max(20, (y2 - y1) / 2);
        path.setAttribute("d", `M ${x1} ${y1} C ${x1} ${y1 + dy}, ${x2} ${y2 - dy}, ${x2} ${y2}`);
      } else {
        const dx = Math.max(30, Math.abs(x2 - x1) / 2);
        path.setAttribute("d", `M ${x1} ${y1} C ${x1 + dx} ${y1}, ${x2 - dx} ${y2}, ${x2} ${y2}`);
      }
      path.setAttribute("class", target.classList.contains("uth-garbage") ? "uth-arrow uth-arrow-garbage" : "uth-arrow");
      path.setAttribute("marker-end", `url(#${markerId})`);
      svg.append(path);
    }
  };

  const render = (i: number) => {
    at = Math.max(0, Math.min(last, i));
    const s = states[at];
    const st = s.step;
    slider.value = String(at);
    slider.setAttribute("aria-valuetext", `Step ${at + 1} of ${trace.length}: ${st.event}${st.line ? ", line " + st.line : ""}`);
    counter.textContent = `Step ${at + 1} of ${trace.length}${doc.trace_truncated && at === last ? " (the trace stops here)" : ""}`;
    first.disabled = back.disabled = at === 0;
    fwd.disabled = end.disabled = at === last;

    // What the step does, in words; the line in the listing and in the editor.
    const sentence = narrate(states, at, (n) => src.line(n), params);
    event.replaceChildren(el("span", `uth-ev uth-ev-${st.event}`, st.event), " ", ...withCode(sentence));
    event.dataset.line = st.line ? String(st.line) : "";
    const prevLine = at > 0 ? states[at - 1].step.line : null;
    for (const li of listing.children as HTMLCollectionOf<HTMLElement>) {
      const n = Number(li.dataset.line);
      li.classList.toggle("uth-current", n === st.line);
      li.classList.toggle("uth-current-exc", n === st.line && st.event === "exception");
      li.classList.toggle("uth-previous", n === prevLine && n !== st.line);
      if (n === st.line) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    }
    const cur = listing.querySelector<HTMLElement>(".uth-current");
    if (cur) scrollWithin(listingBox, cur);
    v.markLines("step", st.line ? [st.line] : [], st.event === "exception" ? "cm-uth-step cm-uth-step-exc" : "cm-uth-step", false);

    // Frames, outermost first (the module at the top); the current one last; then the frames
    // that returned but live on in a closure.
    frames.replaceChildren();
    if (st.stack_omitted) frames.append(el("p", "uth-sum", `…${st.stack_omitted} frames in between not shown`));
    s.stack.forEach((f, k) => frames.append(frameBox(f, s, k === s.stack.length - 1, false)));
    for (const f of s.kept) frames.append(frameBox(f, s, false, true));
    // Side by side, the diagram's column scrolls on its own: keep the running frame in sight.
    const running = frames.querySelector<HTMLElement>(".uth-frame-current");
    if (running) scrollWithin(right, running);

    // Objects, in columns by distance from the frames (like Python Tutor), cycle garbage last.
    const garbage = new Set(st.unreachable ?? []);
    const column = new Map<string, number>();
    let queue: string[] = [];
    const visit = (r: Ref | undefined, depth: number) => {
      if (r && "ref" in r && s.heap[r.ref] && !column.has(r.ref)) {
        column.set(r.ref, Math.min(depth, 4));
        queue.push(r.ref);
      }
    };
    const walk = () => {
      while (queue.length) {
        const ids = queue;
        queue = [];
        for (const id of ids) for (const r of refsOf(s.heap[id])) visit(r, (column.get(id) ?? 0) + 1);
      }
    };
    for (const f of s.stack) for (const r of Object.values(f.locals)) visit(r, 0);
    for (const f of s.kept) for (const r of Object.values(f.locals)) visit(r, 0);
    visit(st.return_value, 0);
    walk();
    for (const id of Object.keys(s.heap)) {
      if (!column.has(id)) {
        visit({ ref: id }, 0);
        walk();
      }
    }
    const cols: HTMLElement[] = [];
    for (const [id, c] of column) {
      while (cols.length <= c) cols.push(el("div", "uth-heapcol"));
      cols[c].append(objectBox(id, s.heap[id], s, garbage.has(id)));
    }
    // Collected by gc since the previous step: what was unreachable then and is gone now.
    const prev = at > 0 ? states[at - 1] : null;
    const freed = prev && s.gc.collected > prev.gc.collected ? s.gc.collected - prev.gc.collected : 0;
    if (prev && freed) {
      for (const id of prev.step.unreachable ?? []) {
        if (!s.heap[id] && prev.heap[id]) {
          if (!cols.length) cols.push(el("div", "uth-heapcol"));
          cols[0].append(objectBox(id, prev.heap[id], prev, false, true));
        }
      }
    }
    heap.replaceChildren(...cols);
    if (!cols.length) heap.append(el("p", "uth-sum", "no objects yet"));

    // The garbage collector.
    const g = s.gc;
    gc.replaceChildren(
      el("strong", undefined, "Garbage collector: "),
      `${g.collections} collection${g.collections === 1 ? "" : "s"} so far, ${g.collected} object${g.collected === 1 ? "" : "s"} collected.`,
    );
    if (freed) gc.append(" ", el("span", "uth-freed", `This step freed ${freed} object${freed === 1 ? "" : "s"} that only a reference cycle kept alive.`));
    else if (garbage.size) gc.append(" ", el("span", "uth-freed", `${garbage.size} object${garbage.size === 1 ? " is" : "s are"} unreachable but alive: a reference cycle keeps ${garbage.size === 1 ? "its" : "their"} reference count${garbage.size === 1 ? "" : "s"} above zero until gc.collect() (or an automatic collection) runs.`));

    // Output so far (what the program wrote before this step).
    out.replaceChildren();
    const add = (cls: string, t: string | undefined) => {
      if (!t) return;
      const lastSpan = out.lastElementChild as HTMLElement | null;
      if (lastSpan && lastSpan.className === cls) lastSpan.textContent += t;
      else out.append(el("span", cls, t));
    };
    for (let k = 0; k <= at; k++) {
      add("uth-stdout", trace[k].stdout);
      add("uth-stdin", trace[k].stdin);
      add("uth-stderr", trace[k].stderr);
    }
    if (!out.textContent) out.append(el("span", "uth-sum", "(nothing yet)"));

    // At the end: how the run ended.
    endNote.replaceChildren();
    if (at === last) {
      if (doc.trace_truncated && doc.stopped_by) {
        endNote.append(el("p", "uth-note", `Stopped here (${doc.stopped_by === "max_steps" ? `the ${doc.limits.max_steps}-step cap` : doc.stopped_by === "timeout" ? "the time limit" : "too much output"}).`));
      } else if (doc.exception) {
        endNote.append(el("p", "uth-note uth-exc", `The program ended with an uncaught ${doc.exception.type}:`), el("pre", "uth-tb", doc.exception.traceback || `${doc.exception.type}: ${doc.exception.message}`));
        if (doc.exception.type === "EOFError") {
          endNote.append(el("p", "uth-note", "The program asked for input that was not there: type it in the Input field above and press Refresh."));
        }
      } else if (!doc.trace_truncated) {
        endNote.append(el("p", "uth-note", `The program finished (exit code ${doc.exit_code ?? 0}).`));
      }
    }
    requestAnimationFrame(drawArrows);
  };

  first.addEventListener("click", () => render(0));
  back.addEventListener("click", () => render(at - 1));
  fwd.addEventListener("click", () => render(at + 1));
  end.addEventListener("click", () => render(last));
  slider.addEventListener("input", () => render(Number(slider.value)));
  box.addEventListener("keydown", (ev) => {
    if (ev.target === slider || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (!(ev.target as Element).closest(".uth-controls")) return;
    if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
      ev.preventDefault();
      render(at + (ev.key === "ArrowRight" ? 1 : -1));
    }
  });
  // Buttons that become disabled drop the focus; keep it in the controls.
  for (const b of [first, back, fwd, end]) {
    b.addEventListener("click", () => {
      if (b.disabled) (at === 0 ? fwd : back).focus();
    });
  }
  new ResizeObserver(() => drawArrows()).observe(viz);
  v.onActivate(() => render(at));
  return box;
}
