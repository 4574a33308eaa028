// Small DOM helpers for the Under the hood panel. Everything from the inspector (token text,
// reprs, output) is inserted as text, never as HTML.

import type { Pos, SyntaxErr } from "./types";

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

export function button(label: string, cls: string, aria?: string): HTMLButtonElement {
  const b = el("button", cls, label);
  b.type = "button";
  if (aria) b.setAttribute("aria-label", aria);
  return b;
}

/** A Python-like literal of a short string: 'text' with escapes for what would be invisible. */
export function pyStr(s: string): string {
  const body = s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
  return s.includes("'") && !s.includes('"') ? `"${body}"` : `'${body.replace(/'/g, "\\'")}'`;
}

/** Column in code points → UTF-16 units, within one line of source. */
export function cpToUnits(line: string, cp: number): number {
  let i = 0;
  for (let n = 0; n < cp && i < line.length; n++) i += (line.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return i;
}

/** Column in UTF-8 bytes (as `ast` gives it) → UTF-16 units. */
export function bytesToUnits(line: string, bytes: number): number {
  let i = 0;
  let b = 0;
  while (b < bytes && i < line.length) {
    const c = line.codePointAt(i) ?? 0;
    b += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    i += c > 0xffff ? 2 : 1;
  }
  return i;
}

/** The source as the inspector saw it, to turn its positions into the editor's. */
export class Source {
  readonly lines: string[];
  constructor(code: string) {
    this.lines = code.split("\n");
  }
  line(n: number): string {
    return this.lines[n - 1] ?? "";
  }
  /** [line, code point column] → editor position. */
  cp(line: number, col: number): Pos {
    return [line, cpToUnits(this.line(line), col)];
  }
  /** [line, UTF-8 byte column] → editor position. */
  bytes(line: number, col: number): Pos {
    return [line, bytesToUnits(this.line(line), col)];
  }
}

/** Roving focus over `items()` inside `box`: arrows, Home/End, PageUp/PageDown move it. */
export function roving(box: HTMLElement, items: () => HTMLElement[], onFocus?: (item: HTMLElement) => void) {
  box.addEventListener("keydown", (ev) => {
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLElement);
    if (at < 0) return;
    const to: Record<string, number> = {
      ArrowDown: at + 1,
      ArrowUp: at - 1,
      Home: 0,
      End: list.length - 1,
      PageDown: at + 10,
      PageUp: at - 10,
    };
    if (!(ev.key in to)) return;
    ev.preventDefault();
    focusItem(list, Math.max(0, Math.min(list.length - 1, to[ev.key])));
  });
  box.addEventListener("focusin", (ev) => {
    const t = ev.target as HTMLElement;
    const list = items();
    if (!list.includes(t)) return;
    for (const i of list) i.tabIndex = i === t ? 0 : -1;
    onFocus?.(t);
  });
}

export function focusItem(list: HTMLElement[], i: number) {
  const item = list[i];
  if (!item) return;
  for (const x of list) x.tabIndex = x === item ? 0 : -1;
  item.focus();
}

/** The syntax error, as a note shown at the top of each view. */
export function syntaxNote(e: SyntaxErr, what: string, show: () => void): HTMLElement {
  const where = e.lineno ? ` — line ${e.lineno}${e.offset ? `, column ${e.offset}` : ""}` : "";
  const note = el("div", "uth-syntax", el("strong", undefined, `${e.type}: ${e.msg}`), where);
  note.setAttribute("role", "note");
  if (e.text) note.append(el("pre", "uth-syntax-text", e.text.replace(/\n$/, "")));
  if (what) note.append(el("p", undefined, what));
  if (e.lineno) {
    const b = button("Show it in the code", "uth-small");
    b.addEventListener("click", show);
    note.append(b);
  }
  return note;
}

/** Scrolls `box` (not the page) so that `item` is visible. */
export function scrollWithin(box: HTMLElement, item: HTMLElement) {
  const b = box.getBoundingClientRect();
  const r = item.getBoundingClientRect();
  if (r.top < b.top) box.scrollTop -= b.top - r.top + 4;
  else if (r.bottom > b.bottom) box.scrollTop += r.bottom - b.bottom + 4;
}
