// Rebuilds each step of the run from the trace, which stores only what changed from one step
// to the next (python/INSPECTOR.md, "Trace"), and says in one sentence what each step did.

import type { Gc, HeapObject, Ref, Step } from "./types";

export interface FrameState {
  id: number;
  func: string;
  line: number | null;
  locals: Record<string, Ref>;
}

/** Everything shown at one step. Unchanged objects and frames are shared between steps. */
export interface State {
  step: Step;
  heap: Record<string, HeapObject>;
  stack: FrameState[];
  /** Frames that returned but whose variables live on in a closure. */
  kept: FrameState[];
  gc: Gc;
  /** Objects that are new or whose contents changed since the step before (not just a refcount). */
  changedObjects: Set<string>;
  /** Per frame id, the variables bound or rebound since the step before. */
  changedVars: Map<number, Set<string>>;
}

const NO_GC: Gc = { collections: 0, collected: 0, uncollectable: 0 };

function sameContents(a: HeapObject, b: HeapObject): boolean {
  const strip = (o: HeapObject) => JSON.stringify({ ...o, refcount: 0 });
  return strip(a) === strip(b);
}

/** All the states of a trace, in order. */
export function rebuild(trace: Step[]): State[] {
  const states: State[] = [];
  let heap: Record<string, HeapObject> = {};
  const frames = new Map<number, FrameState>();
  let gc = NO_GC;
  for (const step of trace) {
    const before = heap;
    heap = { ...heap };
    for (const id of step.heap_removed ?? []) delete heap[id];
    const changedObjects = new Set<string>();
    for (const [id, o] of Object.entries(step.heap_changes ?? {})) {
      if (!before[id] || !sameContents(before[id], o)) changedObjects.add(id);
      heap[id] = o;
    }
    const changedVars = new Map<number, Set<string>>();
    for (const [key, d] of Object.entries(step.frames ?? {})) {
      const id = Number(key);
      const old = frames.get(id);
      const locals = { ...(old?.locals ?? {}), ...(d.locals ?? {}) };
      for (const name of d.removed ?? []) delete locals[name];
      frames.set(id, {
        id,
        func: d.func ?? old?.func ?? "?",
        line: d.line !== undefined ? d.line : (old?.line ?? null),
        locals,
      });
      if (d.locals && Object.keys(d.locals).length) changedVars.set(id, new Set(Object.keys(d.locals)));
    }
    if (step.gc) gc = step.gc;
    const frame = (id: number): FrameState => frames.get(id) ?? { id, func: "?", line: null, locals: {} };
    states.push({
      step,
      heap,
      stack: step.stack.map(frame),
      kept: (step.closure_frames ?? []).map(frame),
      gc,
      changedObjects,
      changedVars,
    });
  }
  return states;
}

function plural(n: number, one: string, many = one + "s"): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A value as words: "the int 3", "a list of 2 items", "the function add(a, b)". */
export function valueWords(r: Ref | undefined, heap: Record<string, HeapObject>): string {
  if (!r) return "nothing";
  if ("value" in r) {
    const v = r.value;
    if (v === null) return "None";
    if (typeof v === "boolean") return v ? "True" : "False";
    if (typeof v === "string") return `the str ${shortStr(v)}`;
    if (r.type === "float" && Number.isInteger(v)) return `the float ${v}.0`;
    return `the ${r.type} ${v}`;
  }
  if ("elided" in r) return `a ${r.type}`;
  const o = heap[r.ref];
  if (!o) return "an object";
  switch (o.kind) {
    case "list":
    case "tuple":
    case "set":
      return `a ${o.type} of ${plural(o.len ?? 0, "item")}`;
    case "dict":
      return `a ${o.type} of ${plural(o.len ?? 0, "entry", "entries")}`;
    case "function":
      return `the function ${o.signature ?? o.name ?? o.type}`;
    case "class":
      return `the class ${o.name ?? o.type}`;
    case "module":
      return `the module ${o.module ?? ""}`.trim();
    case "str":
      return `a str of ${plural(o.len ?? 0, "character")}`;
    case "generator":
      return "a generator";
    default:
      return `${/^[aeiou]/i.test(o.type) ? "an" : "a"} ${o.type} object`;
  }
}

function shortStr(s: string, max = 24): string {
  const cut = s.length > max ? s.slice(0, max - 3) + "…" : s;
  return `'${cut.replace(/\n/g, "\\n")}'`;
}

/** An argument as Python would write it, kept short: 3, 'Ada', <list>. */
function argWords(r: Ref, heap: Record<string, HeapObject>): string {
  if ("value" in r) {
    const v = r.value;
    if (v === null) return "None";
    if (typeof v === "boolean") return v ? "True" : "False";
    if (typeof v === "string") return shortStr(v);
    return String(v);
  }
  if ("elided" in r) return `<${r.type}>`;
  const o = heap[r.ref];
  return `<${o?.kind === "function" ? "function " + (o.name ?? "") : (o?.type ?? "object")}>`;
}

/** One plain sentence: what the step is about to do, or what the line before it just did.
 * Code is between backticks. */
export function narrate(
  states: State[],
  i: number,
  line: (n: number) => string,
  params: (func: string, firstLine: number | null) => string[] | null = () => null,
): string {
  const sentence = say(states, i, line, params);
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

function say(states: State[], i: number, line: (n: number) => string, params: (func: string, firstLine: number | null) => string[] | null): string {
  const s = states[i];
  const prev = i > 0 ? states[i - 1] : null;
  const st = s.step;
  const top = s.stack[s.stack.length - 1];
  const name = st.func === "<module>" ? "the module" : `\`${st.func}\``;
  const code = (n: number | null) => (n ? line(n).trim() : "");
  switch (st.event) {
    case "call": {
      if (st.func === "<module>") return "The program starts.";
      // A generator's frame keeps its id from one resumption to the next.
      const resumed = top !== undefined && states.slice(0, i).some((x) => x.stack.some((f) => f.id === top.id));
      if (resumed) return `${name} resumes where it left off.`;
      if (/^\s*class\s/.test(code(st.line))) return `Python runs the body of class \`${st.func}\`, which makes its methods.`;
      if (st.func.startsWith("<") && st.func !== "<lambda>") return `Python runs the ${st.func.slice(1, -1).replace(/comp$/, " comprehension").replace("genexpr", "generator expression")} in a frame of its own.`;
      // The parameters only, not the free variables a closure also sees as locals.
      const names = params(st.func, st.line);
      const locals = top?.locals ?? {};
      const args = (names ?? Object.keys(locals)).filter((k) => k in locals).map((k) => `${k}=${argWords(locals[k], s.heap)}`);
      return `Call \`${st.func}(${args.join(", ")})\`: a new frame for its variables.`;
    }
    case "return": {
      if (st.func === "<module>") return prev?.step.event === "exception" ? "The program stops: nothing caught the exception." : "The program has run its last line.";
      if (prev?.step.event === "exception" && prev.stack[prev.stack.length - 1]?.id === top?.id) {
        return `${name} ends without returning: the exception goes on to its caller.`;
      }
      const what = valueWords(st.return_value, s.heap);
      if (/^\s*(\w+\s*=\s*)?yield\b|\byield\b/.test(code(st.line))) return `${name} yields ${what} and pauses.`;
      return `${name} returns ${what}.`;
    }
    case "exception":
      if (prev?.step.event === "return" && prev.stack.length > s.stack.length) return `The exception ${st.exception ?? ""} reaches ${name}.`;
      return `${name} raised ${st.exception ?? "an exception"}.`;
    case "line": {
      if (prev && prev.step.event === "return" && prev.stack.length > s.stack.length) {
        return `Back in ${name} after \`${prev.step.func}\` returned; next is line ${st.line}: \`${code(st.line)}\`.`;
      }
      const did = prev && prev.step.event === "line" && top && prev.stack[prev.stack.length - 1]?.id === top.id ? effect(prev, s, top.id) : null;
      if (did) return `\`${code(prev!.step.line)}\` ${did}.`;
      return `Next is line ${st.line}: \`${code(st.line)}\`.`;
    }
  }
}

/** What the line between two steps of the same frame changed, as the end of a sentence. */
function effect(prev: State, s: State, frame: number): string | null {
  const before = prev.stack.find((f) => f.id === frame)?.locals ?? {};
  const now = s.stack.find((f) => f.id === frame)?.locals ?? {};
  const names = [...(s.changedVars.get(frame) ?? [])];
  const bound = names.filter((n) => !(n in before));
  const rebound = names.filter((n) => n in before);
  const gone = Object.keys(before).filter((n) => !(n in now));
  if (bound.length) {
    const n = bound[0];
    const more = bound.length > 1 ? ` (and ${plural(bound.length - 1, "other name")})` : "";
    return `binds the name ${n} to ${valueWords(now[n], s.heap)}${more}`;
  }
  if (rebound.length) return `makes ${rebound[0]} ${valueWords(now[rebound[0]], s.heap)}`;
  if (gone.length) return `deletes the name ${gone[0]}`;
  const printed = s.step.stdout?.replace(/\n$/, "");
  if (printed) return `prints ${printed.includes("\n") ? `${plural(printed.split("\n").length, "line")}` : shortStr(printed, 60)}`;
  for (const id of s.changedObjects) {
    const o = s.heap[id];
    const old = prev.heap[id];
    if (!o || !old) continue;
    if (o.len !== undefined && old.len !== o.len) {
      const unit = o.kind === "dict" ? plural(o.len, "entry", "entries") : plural(o.len, "item");
      return `changes a ${o.type}: it now has ${unit}`;
    }
    if (o.attrs && old.attrs) {
      const attr = Object.keys(o.attrs).find((k) => JSON.stringify(o.attrs![k]) !== JSON.stringify(old.attrs![k]));
      if (attr) return `sets the ${o.type} object's ${attr} to ${valueWords(o.attrs[attr], s.heap)}`;
    }
    return `changes a ${o.type}`;
  }
  return null;
}
