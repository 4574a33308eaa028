// The Tokens view: the token stream as a table (type, text, start, end). Hovering or focusing a
// row highlights the token in the code; moving the cursor in the code marks its token's row.

import { el, pyStr, roving, scrollWithin } from "./dom";
import type { View } from "./main";

export function tokensView(v: View): HTMLElement {
  const { doc, src } = v;
  const box = el("div", "uth-tokens");
  const count = `${doc.tokens.length} token${doc.tokens.length === 1 ? "" : "s"}`;
  box.append(
    el(
      "p",
      "uth-lead",
      `${count}, from Python's tokenize module: the first step, where the characters of the code become the words of the language. Tap, hover or focus a row to see its token in the code.`,
    ),
  );
  if (doc.tokens_error) {
    const e = doc.tokens_error;
    const note = el(
      "div",
      "uth-syntax",
      el("strong", undefined, `${e.type}: ${e.msg}`),
      e.lineno ? ` — tokenizing stopped at line ${e.lineno}; the tokens before it are below.` : "",
    );
    note.setAttribute("role", "note");
    box.append(note);
  }
  const table = el("table", "uth-table");
  table.append(
    el(
      "thead",
      undefined,
      el("tr", undefined, el("th", undefined, "#"), el("th", undefined, "Type"), el("th", undefined, "Text"), el("th", undefined, "Start"), el("th", undefined, "End")),
    ),
  );
  const body = el("tbody");
  const rows: HTMLTableRowElement[] = [];
  doc.tokens.forEach((t, i) => {
    const text = t.type === "INDENT" || t.type === "DEDENT" || t.type === "ENDMARKER" || t.type === "NEWLINE" || t.type === "NL" ? pyStr(t.string) : t.string;
    const row = el(
      "tr",
      t.op ? "uth-tok-op" : `uth-tok-${t.type.toLowerCase()}`,
      el("td", "uth-num", String(i)),
      el("td", "uth-tok-type", t.type),
      el("td", "uth-tok-text", el("code", undefined, text)),
      el("td", "uth-num", `${t.start[0]}:${t.start[1]}`),
      el("td", "uth-num", `${t.end[0]}:${t.end[1]}`),
    );
    row.tabIndex = i === 0 ? 0 : -1;
    row.setAttribute("aria-label", `${t.type} ${t.string.trim() ? t.string : pyStr(t.string)}, line ${t.start[0]} column ${t.start[1]} to line ${t.end[0]} column ${t.end[1]}`);
    row.dataset.i = String(i);
    rows.push(row);
    body.append(row);
  });
  table.append(body);
  const scroller = el("div", "uth-scroll", table);
  box.append(scroller);

  // Focus scrolls the code to the token if needed; hover never scrolls (the page would move
  // under the pointer).
  const show = (row: HTMLElement | null, scroll: boolean) => {
    const t = row ? doc.tokens[Number(row.dataset.i)] : null;
    if (!t) return v.mark("hl", [], "");
    v.mark("hl", [{ from: src.cp(t.start[0], t.start[1]), to: src.cp(t.end[0], t.end[1]) }], "cm-uth-hl", scroll);
  };
  roving(scroller, () => rows, (row) => show(row, true));
  // Hover is the mouse's alone: a finger's tap ends with a "leave" that would undo what it showed.
  body.addEventListener("pointerover", (ev) => ev.pointerType === "mouse" && show((ev.target as Element).closest("tr"), false));
  // When the mouse leaves, the row that has the focus (tapped or reached by keyboard) shows again.
  const focused = () => (body.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null);
  body.addEventListener("pointerleave", (ev) => ev.pointerType === "mouse" && show(focused(), false));
  // A tap (no hover on touch screens) focuses the row, which shows its token.
  body.addEventListener("click", (ev) => (ev.target as Element).closest<HTMLElement>("tr")?.focus());

  v.onCursor(([line, col]) => {
    let hit: HTMLElement | null = null;
    for (const r of rows) {
      const t = doc.tokens[Number(r.dataset.i)];
      const [sl, sc] = src.cp(t.start[0], t.start[1]);
      const [el_, ec] = src.cp(t.end[0], t.end[1]);
      const after = line > sl || (line === sl && col >= sc);
      const before = line < el_ || (line === el_ && col <= ec);
      if (after && before && t.start.join() !== t.end.join()) {
        hit = r;
        break;
      }
    }
    for (const r of rows) r.classList.toggle("uth-current", r === hit);
    if (hit) {
      for (const r of rows) r.removeAttribute("aria-current");
      hit.setAttribute("aria-current", "true");
      scrollWithin(scroller, hit);
    }
  });
  return box;
}
