// The Execution view: step through the run (buttons, a slider, ←/→). Each step shows the line
// about to run (highlighted in the code), the call stack with each frame's variables, the
// objects they reference as boxes (id, type, value, reference count) with SVG arrows, the
// garbage collector's work (unreachable cycles, then collected), and the output so far.

import { button, el, pyStr } from "./dom";
import type { View } from "./main";
import type { HeapObject, Ref, Step } from "./types";

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
      "Every step of the run, as CPython's tracing hook sees it. The highlighted line in the code is the one about to run. Variables live in frames; arrows lead to the objects they refer to. ← and → step when the controls have the focus.",
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

  const last = trace.length - 1;
  const first = button("« First", "uth-small", "First step");
  const back = button("◀ Back", "uth-small", "Previous step");
  const fwd = button("Forward ▶", "uth-small", "Next step");
  const end = button("Last »", "uth-small", "Last step");
  back.setAttribute("aria-keyshortcuts", "ArrowLeft");
  fwd.setAttribute("aria-keyshortcuts", "ArrowRight");
  const slider = el("input", "uth-slider");
  slider.type = "range";
  slider.min = "0";
  slider.max = String(last);
  slider.value = "0";
  slider.id = `${v.id}-slider`;
  const sliderLabel = el("label", "visually-hidden", "Step");
  sliderLabel.htmlFor = slider.id;
  const counter = el("span", "uth-counter");
  const controls = el("div", "uth-controls", first, back, fwd, end, sliderLabel, slider, counter);
  controls.setAttribute("role", "group");
  controls.setAttribute("aria-label", "Step through the run");
  const event = el("p", "uth-event");
  event.setAttribute("aria-live", "polite");

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
  box.append(
    controls,
    event,
    viz,
    gc,
    el("div", "uth-outbox", el("h4", undefined, "Output so far"), out),
    endNote,
  );

  const markerId = `${v.id}-arrowhead`;
  let at = 0;

  const ptr = (r: Ref, heapOf: Record<string, HeapObject>): HTMLElement => {
    if ("value" in r) return el("span", `uth-val uth-t-${r.type}`, literal(r));
    if ("elided" in r) return el("span", "uth-val uth-elided", r.repr);
    const o = heapOf[r.ref];
    const p = el("span", "uth-ptr", el("span", "visually-hidden", o ? `→ ${o.type} object, id ${o.id}` : `→ object ${r.ref}`));
    p.dataset.ref = r.ref;
    return p;
  };

  const table = (rows: [Node | string, Node][], cls: string) => {
    const t = el("table", cls);
    for (const [k, val] of rows) t.append(el("tr", undefined, el("th", undefined, k), el("td", undefined, val)));
    return t;
  };

  const objectBox = (o: HeapObject, s: Step, garbage: boolean, ghost = false): HTMLElement => {
    const rc = o.refcount === null ? (o.immortal ? "immortal" : "") : `refcount ${o.refcount}`;
    const head = el(
      "div",
      "uth-obj-head",
      el("span", "uth-obj-type", o.type),
      " ",
      el("span", "uth-obj-id", `id ${o.id}`),
      " ",
      el("span", "uth-obj-rc", ghost ? "freed" : rc),
    );
    if (rc) head.lastElementChild?.setAttribute("title", "reference count: how many references point at this object");
    const b = el("div", `uth-obj uth-kind-${o.kind}${garbage ? " uth-garbage" : ""}${ghost ? " uth-ghost" : ""}`, head);
    b.dataset.id = o.id;
    b.setAttribute("role", "group");
    b.setAttribute(
      "aria-label",
      `${o.type} object, id ${o.id}${rc ? ", " + rc : ""}${garbage ? ", unreachable: garbage waiting for the cycle collector" : ""}${ghost ? ", freed by the garbage collector" : ""}`,
    );
    if (garbage) b.append(el("div", "uth-badge", "unreachable: no variable leads here; waiting for gc"));
    if (ghost) b.append(el("div", "uth-badge", "freed by the garbage collector"));
    const more = (shown: number) =>
      o.len !== undefined && o.len > shown ? el("span", "uth-sum", ` …${o.len - shown} more`) : o.truncated ? el("span", "uth-sum", " …") : null;
    if (ghost) {
      b.append(el("div", "uth-repr", o.repr));
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
      b.append(table(Object.entries(o.attrs).map(([k, val]) => [k, ptr(val, s.heap)]), "uth-kv"));
      if (o.truncated) b.append(el("span", "uth-sum", "…"));
    } else {
      b.append(el("div", "uth-repr", o.repr));
    }
    if (o.closure && Object.keys(o.closure).length) {
      b.append(el("div", "uth-sum", "closure:"), table(Object.entries(o.closure).map(([k, val]) => [k, ptr(val, s.heap)]), "uth-kv"));
    }
    return b;
  };

  const drawArrows = () => {
    while (svg.firstChild) svg.firstChild.remove();
    if (box.offsetParent === null) return; // not shown: nothing to measure
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
      const x2 = t.left - base.left + viz.scrollLeft;
      const y2 = t.top + 12 - base.top + viz.scrollTop;
      const dx = Math.max(30, Math.abs(x2 - x1) / 2);
      const path = document.createElementNS(SVG, "path");
      path.setAttribute("d", `M ${x1} ${y1} C ${x1 + dx} ${y1}, ${x2 - dx} ${y2}, ${x2} ${y2}`);
      path.setAttribute("class", target.classList.contains("uth-garbage") ? "uth-arrow uth-arrow-garbage" : "uth-arrow");
      path.setAttribute("marker-end", `url(#${markerId})`);
      svg.append(path);
    }
  };

  const render = (i: number) => {
    at = Math.max(0, Math.min(last, i));
    const s = trace[at];
    slider.value = String(at);
    slider.setAttribute("aria-valuetext", `Step ${at + 1} of ${trace.length}: ${s.event}${s.line ? ", line " + s.line : ""}`);
    counter.textContent = `Step ${at + 1} of ${trace.length}${doc.trace_truncated && at === last ? " (the trace stops here)" : ""}`;
    first.disabled = back.disabled = at === 0;
    fwd.disabled = end.disabled = at === last;

    // What happens at this step, and the line in the code.
    const code = s.line ? src.line(s.line).trim() : "";
    const where = s.func === "<module>" ? "the module" : s.func;
    const text: Record<Step["event"], string> = {
      call: `Calling ${where}${s.line ? ` (line ${s.line})` : ""}`,
      line: `Line ${s.line} of ${where}, about to run`,
      return: `Leaving ${where}`,
      exception: `Exception in ${where}${s.line ? ` at line ${s.line}` : ""}: ${s.exception ?? ""}`,
    };
    event.replaceChildren(el("span", `uth-ev uth-ev-${s.event}`, s.event), " ", text[s.event]);
    if (code && s.event !== "exception") event.append(": ", el("code", undefined, code));
    if (s.event === "return" && s.return_value) event.append(" → ", ptr(s.return_value, s.heap));
    v.markLines("step", s.line ? [s.line] : [], s.event === "exception" ? "cm-uth-step cm-uth-step-exc" : "cm-uth-step", true);

    // Frames, outermost first (the module at the top); the current one last.
    frames.replaceChildren();
    if (s.stack_omitted) frames.append(el("p", "uth-sum", `…${s.stack_omitted} frames in between not shown`));
    s.stack.forEach((f, k) => {
      const current = k === s.stack.length - 1;
      const fr = el("div", `uth-frame${current ? " uth-frame-current" : ""}`);
      fr.setAttribute("role", "group");
      fr.setAttribute("aria-label", `Frame of ${f.func}${current ? " (running)" : ""}, line ${f.line ?? "none"}`);
      fr.append(el("div", "uth-frame-head", el("span", "uth-obj-type", f.func === "<module>" ? "Global frame" : f.func), " ", el("span", "uth-sum", f.line ? `line ${f.line}` : "")));
      const names = Object.entries(f.locals);
      const rows: [Node | string, Node][] = names.map(([k2, r]) => [k2, ptr(r, s.heap)]);
      if (current && s.event === "return" && s.return_value) rows.push([el("em", undefined, "return value"), ptr(s.return_value, s.heap)]);
      if (current && s.event === "exception") rows.push([el("em", undefined, "exception"), el("span", "uth-val uth-exc", s.exception ?? "")]);
      if (rows.length) fr.append(table(rows, "uth-kv"));
      else fr.append(el("p", "uth-sum", "no variables yet"));
      frames.append(fr);
    });

    // Objects, in columns by distance from the frames (like Python Tutor), cycle garbage last.
    const garbage = new Set(s.unreachable ?? []);
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
    visit(s.return_value, 0);
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
      cols[c].append(objectBox(s.heap[id], s, garbage.has(id)));
    }
    // Collected by gc since the previous step: what was unreachable then and is gone now.
    const prev = at > 0 ? trace[at - 1] : null;
    const freed = prev && s.gc.collected > prev.gc.collected ? s.gc.collected - prev.gc.collected : 0;
    if (prev && freed) {
      for (const id of prev.unreachable ?? []) {
        if (!s.heap[id] && prev.heap[id]) {
          if (!cols.length) cols.push(el("div", "uth-heapcol"));
          cols[0].append(objectBox(prev.heap[id], prev, false, true));
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
