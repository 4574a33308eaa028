// The Bytecode view: the disassembly of every code object (module, functions, classes,
// comprehensions), grouped by source line. Hovering an instruction highlights its line in the
// code; hovering or moving the cursor to a line of the code highlights its instructions.

import { el, roving, scrollWithin } from "./dom";
import type { View } from "./main";
import type { CodeObject, Instruction } from "./types";

function describe(c: CodeObject): string {
  const parts: string[] = [];
  if (c.name === "<module>") parts.push("the module: the code at the top level of the file");
  else if (c.flags.includes("GENERATOR")) parts.push("a generator function");
  else if (c.flags.includes("COROUTINE")) parts.push("a coroutine");
  else if (c.flags.includes("NEWLOCALS")) parts.push(c.name.startsWith("<") ? `a ${c.name.slice(1, -1)}` : "a function");
  else parts.push("a class body");
  if (c.name !== "<module>") parts.push(`line ${c.firstlineno}`);
  if (c.argcount) parts.push(`${c.argcount} argument${c.argcount === 1 ? "" : "s"}`);
  if (c.varnames.length) parts.push(`locals: ${c.varnames.join(", ")}`);
  if (c.cellvars.length) parts.push(`cells (used by inner functions): ${c.cellvars.join(", ")}`);
  if (c.freevars.length) parts.push(`free variables (from outside): ${c.freevars.join(", ")}`);
  return parts.join(" · ");
}

export function bytecodeView(v: View): HTMLElement {
  const { doc, src } = v;
  const box = el("div", "uth-bytecode");
  if (!doc.bytecode) {
    box.append(el("p", "uth-empty", "No bytecode: code with a syntax error is never compiled."));
    return box;
  }
  const n = doc.bytecode.length;
  box.append(
    el(
      "p",
      "uth-lead",
      el("strong", undefined, `CPython ${doc.python_version}`),
      ` compiled the tree into ${n} code object${n === 1 ? "" : "s"} of bytecode, the instructions its virtual machine runs. Bytecode differs between Python versions. Tap, hover or focus an instruction to see its line; hover a line of the code, or put the cursor on it, to see its instructions.`,
    ),
  );
  const scroller = el("div", "uth-scroll");
  const groups: { el: HTMLElement; line: number | null }[] = [];
  const rows: HTMLElement[] = [];
  for (const c of doc.bytecode) {
    const sec = el("section", "uth-code");
    // The qualified name, and the path where it differs ("<module>.f.<locals>.g"); the module
    // is named once.
    const title = el("h4", "uth-code-title", el("code", undefined, c.qualname));
    if (c.path !== c.qualname && c.path !== `<module>.${c.qualname}`) title.append(" ", el("span", "uth-sum", c.path));
    sec.append(title, el("p", "uth-code-info", describe(c)));
    // Consecutive instructions of the same line make one group.
    let cur: { line: number | null; ins: Instruction[] } | null = null;
    const runs: { line: number | null; ins: Instruction[] }[] = [];
    for (const i of c.instructions) {
      if (!cur || cur.line !== i.line) runs.push((cur = { line: i.line, ins: [] }));
      cur.ins.push(i);
    }
    for (const r of runs) {
      const g = el("div", "uth-group");
      const text = r.line ? src.line(r.line).trim() : "";
      g.append(
        el(
          "div",
          "uth-group-line",
          el("span", "uth-num", r.line ? `line ${r.line}` : "no line"),
          " ",
          text ? el("code", undefined, text) : el("span", "uth-sum", r.line ? "" : "(set-up the compiler adds)"),
        ),
      );
      const table = el("table", "uth-table uth-ins");
      for (const i of r.ins) {
        const row = el(
          "tr",
          i.is_jump_target ? "uth-jump" : undefined,
          el("td", "uth-num", i.is_jump_target ? ">>" : ""),
          el("td", "uth-num", String(i.offset)),
          el("td", "uth-op", i.opname),
          el("td", "uth-num", i.arg === null ? "" : String(i.arg)),
          el("td", "uth-arg", i.argrepr ? `(${i.argrepr})` : ""),
        );
        row.tabIndex = rows.length === 0 ? 0 : -1;
        row.dataset.line = r.line ? String(r.line) : "";
        row.setAttribute(
          "aria-label",
          `${i.opname}${i.arg === null ? "" : " " + i.arg}${i.argrepr ? " (" + i.argrepr + ")" : ""}, offset ${i.offset}, ${r.line ? "line " + r.line : "no line"}${i.is_jump_target ? ", a jump target" : ""}`,
        );
        rows.push(row);
        table.append(row);
      }
      g.append(table);
      if (r.line) g.dataset.line = String(r.line);
      groups.push({ el: g, line: r.line });
      sec.append(g);
    }
    if (c.truncated) sec.append(el("p", "uth-note", "…more instructions, not shown (the disassembly is capped)."));
    scroller.append(sec);
  }
  box.append(scroller);

  /** Links a line of the code and its instruction groups; `from` says who asked: the code
   * (scroll the instructions), the keyboard (scroll the code), or the mouse (scroll nothing:
   * the page would move under the pointer). */
  const link = (line: number | null, from: "code" | "key" | "mouse") => {
    let first: HTMLElement | null = null;
    for (const g of groups) {
      const on = line !== null && g.line === line;
      g.el.classList.toggle("uth-linked", on);
      if (on && !first) first = g.el;
    }
    v.markLines("hl", line ? [line] : [], "cm-uth-hl-line", from === "key");
    if (from === "code" && first) scrollWithin(scroller, first);
  };
  const lineOf = (e: Element | null) => {
    const l = (e?.closest("[data-line]") as HTMLElement | null)?.dataset.line;
    return l ? Number(l) : null;
  };
  roving(scroller, () => rows, (row) => link(lineOf(row), "key"));
  // Hover is the mouse's alone: a finger's tap ends with a "leave" that would undo what it showed.
  scroller.addEventListener("pointerover", (ev) => ev.pointerType === "mouse" && link(lineOf(ev.target as Element), "mouse"));
  // A tap (no hover on touch screens) links the same way, and keeps the focus on the row.
  scroller.addEventListener("click", (ev) => {
    const row = (ev.target as Element).closest<HTMLElement>("tr[tabindex]");
    if (row) row.focus();
  });
  // When the mouse leaves, the instruction that has the focus (tapped or reached by keyboard)
  // shows its line again.
  scroller.addEventListener("pointerleave", (ev) => ev.pointerType === "mouse" && link(scroller.contains(document.activeElement) ? lineOf(document.activeElement) : null, "mouse"));
  v.onHoverLine((line) => link(line, "code"));
  v.onCursor(([line]) => link(line, "code"));
  return box;
}
