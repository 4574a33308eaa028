// What the learner's browser keeps, in localStorage: progress marks and edited code. One
// definition, bundled into app.js, editor.js and exercise.js (each a separate bundle).
//
//   pyguide.progress.v1  {"done": {"<exercise or prediction id>": ms}, "last": {"slug", "at"}}
//   pyguide.code.v2      {"schema": 2, "code": {"<key>": {"hash", "code", "at"}}}
//
// A code key is an exercise id (`<slug>/<anchor>`) or `<page path>#<example anchor>`; `hash` is
// the hash of the original code the edit started from, so that an author's change to an
// example is noticed and the old edit offered instead of loaded over the new code.

export const SCHEMA = 2;
const PROGRESS = "pyguide.progress.v1";
const CODE = "pyguide.code.v2";
/** Before schema 2: exercises only, `{"<exercise id>": code}`, without the starter's hash. */
const CODE_V1 = "pyguide.code.v1";

export type Progress = { done: Record<string, number>; last?: { slug: string; at: number } };
type SavedCode = { hash: string; code: string; at: number };
type CodeStore = { schema: number; code: Record<string, SavedCode> };

function read(key: string): unknown {
  try {
    return JSON.parse(localStorage.getItem(key) || "null");
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): boolean {
  try {
    localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    // Storage full or disabled: it lasts for this page only.
    return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** FNV-1a, 32 bits, as 8 hex digits: enough to tell one version of an example from another. */
export function hashCode(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

export function progress(): Progress {
  const v = read(PROGRESS);
  const done = isObject(v) && isObject(v.done) ? (v.done as Record<string, number>) : {};
  const last = isObject(v) && isObject(v.last) && typeof v.last.slug === "string" ? (v.last as Progress["last"]) : undefined;
  return { done, last };
}

export function saveProgress(p: Progress) {
  write(PROGRESS, p);
}

function codeStore(): CodeStore {
  const v = read(CODE);
  const store: CodeStore = { schema: SCHEMA, code: isObject(v) && isObject(v.code) ? (v.code as CodeStore["code"]) : {} };
  return store;
}

/** The learner's edit of `key`: `stale` when it was made on other original code than `original`. */
export function savedCode(key: string, original: string): { code: string; stale: boolean } | null {
  const entry = codeStore().code[key];
  // An empty hash: kept before hashes were (schema 1), taken as made on today's original.
  if (entry && typeof entry.code === "string") return { code: entry.code, stale: !!entry.hash && entry.hash !== hashCode(original) };
  // Schema 1 kept exercise code without a hash: taken as made on today's starter.
  const old = read(CODE_V1);
  if (isObject(old) && typeof old[key] === "string") return { code: old[key] as string, stale: false };
  return null;
}

/** Keeps `code` as the learner's edit of `original` (forgotten when it is the original again). */
export function saveCode(key: string, original: string, code: string | null) {
  const store = codeStore();
  if (code === null || code === original) delete store.code[key];
  else store.code[key] = { hash: hashCode(original), code, at: Date.now() };
  write(CODE, store);
  const old = read(CODE_V1);
  if (isObject(old) && key in old) {
    delete old[key];
    write(CODE_V1, old);
  }
}

/** Whether anything is kept: progress marks or edited code. */
export function anythingSaved(): boolean {
  return Object.keys(progress().done).length > 0 || Object.keys(codeStore().code).length > 0;
}

export function forgetAll() {
  try {
    for (const key of [PROGRESS, CODE, CODE_V1]) localStorage.removeItem(key);
  } catch {
    // nothing stored
  }
}

/** Progress and saved code as one JSON document, to move to another browser. */
export function exportAll(): string {
  const code = codeStore().code;
  const old = read(CODE_V1);
  if (isObject(old)) {
    for (const [k, v] of Object.entries(old)) if (typeof v === "string" && !code[k]) code[k] = { hash: "", code: v, at: 0 };
  }
  return JSON.stringify({ pyguide: "progress", schema: SCHEMA, exported: new Date().toISOString(), progress: progress(), code }, null, 1);
}

/** Merges an exported document into this browser's; says what went wrong in plain words. */
export function importAll(text: string): { ok: true; exercises: number; edits: number } | { ok: false; error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, error: "This file is not a PyGuide progress file (it is not JSON)." };
  }
  if (!isObject(doc) || doc.pyguide !== "progress" || !isObject(doc.progress) || !isObject(doc.code)) {
    return { ok: false, error: "This file is not a PyGuide progress file." };
  }
  if (typeof doc.schema !== "number" || doc.schema > SCHEMA) {
    return { ok: false, error: "This progress file comes from a newer version of PyGuide: it cannot be read here." };
  }
  const p = progress();
  const done = isObject(doc.progress.done) ? doc.progress.done : {};
  let exercises = 0;
  for (const [id, at] of Object.entries(done)) {
    if (typeof at !== "number") continue;
    if (!p.done[id]) exercises++;
    p.done[id] = Math.max(p.done[id] || 0, at);
  }
  const last = doc.progress.last;
  if (isObject(last) && typeof last.slug === "string" && typeof last.at === "number" && (!p.last || p.last.at < last.at)) {
    p.last = { slug: last.slug, at: last.at };
  }
  const store = codeStore();
  let edits = 0;
  for (const [key, v] of Object.entries(doc.code)) {
    if (!isObject(v) || typeof v.code !== "string" || typeof v.hash !== "string") continue;
    store.code[key] = { hash: v.hash, code: v.code, at: typeof v.at === "number" ? v.at : 0 };
    edits++;
  }
  if (!write(PROGRESS, p) || !write(CODE, store)) return { ok: false, error: "This browser refused to store the progress (storage full or disabled)." };
  return { ok: true, exercises, edits };
}

export const PROGRESS_KEY = PROGRESS;
