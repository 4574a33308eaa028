// The AST view: the parsed module as a collapsible tree (WAI-ARIA tree: arrows move, Right/Left
// open and close, Enter toggles), node types and fields as the `ast` module names them.
// Selecting a node highlights its source; the cursor in the code selects the innermost node.

import { button, el, scrollWithin } from "./dom";
import type { View } from "./main";
import type { AstNode, Pos } from "./types";

type Item = { li: HTMLLIElement; from?: Pos; to?: Pos; depth: number };

function isNode(v: unknown): v is AstNode {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as AstNode)._type === "string";
}

/** Operators and contexts (`Add`, `Load`) have no fields and no position: shown inline. */
function isBare(n: AstNode): boolean {
  return n.lineno === undefined && Object.keys(n.fields).length === 0 && !n.truncated;
}

function primitive(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return JSON.stringify(v).length > 62 ? `'${v.slice(0, 60)}…'` : `'${v.replace(/\n/g, "\\n")}'`;
  if (typeof v === "number") return String(v);
  if (isNode(v)) return `${v._type}()`;
  if (typeof v === "object" && "repr" in (v as object)) return String((v as { repr: string }).repr);
  return JSON.stringify(v);
}

export function astView(v: View): HTMLElement {
  const { doc, src } = v;
  const box = el("div", "uth-ast");
  if (!doc.ast) {
    box.append(el("p", "uth-empty", "No tree: the parser stopped at the syntax error, so there is nothing to show."));
    return box;
  }
  const items: Item[] = [];
  const tools = el("div", "uth-tools");
  const expandAll = button("Expand all", "uth-small");
  const collapseAll = button("Collapse all", "uth-small");
  tools.append(expandAll, collapseAll);
  box.append(
    el(
      "p",
      "uth-lead",
      "The abstract syntax tree the parser builds from the tokens: what the code means, without its punctuation. Select a node to see its code; put the cursor in the code to find its node.",
    ),
    tools,
  );
  const tree = el("ul", "uth-tree");
  tree.setAttribute("role", "tree");
  tree.setAttribute("aria-label", "Abstract syntax tree");

  const item = (label: (Node | string)[], aria: string, depth: number, node?: AstNode): HTMLLIElement => {
    const li = el("li", "uth-ti");
    li.setAttribute("role", "treeitem");
    li.setAttribute("aria-label", aria);
    li.setAttribute("aria-selected", "false");
    li.tabIndex = -1;
    const row = el("div", "uth-row", el("span", "uth-twisty"), ...label);
    li.append(row);
    const it: Item = { li, depth };
    if (node && node.lineno !== undefined) {
      it.from = src.bytes(node.lineno, node.col_offset ?? 0);
      it.to = src.bytes(node.end_lineno ?? node.lineno, node.end_col_offset ?? node.col_offset ?? 0);
      const pos = `${node.lineno}:${node.col_offset}–${node.end_lineno}:${node.end_col_offset}`;
      row.append(el("span", "uth-pos", pos));
    }
    items.push(it);
    li.dataset.k = String(items.length - 1);
    return li;
  };
  const group = (li: HTMLLIElement, open: boolean): HTMLUListElement => {
    const g = el("ul");
    g.setAttribute("role", "group");
    li.append(g);
    li.setAttribute("aria-expanded", String(open));
    g.hidden = !open;
    return g;
  };

  const renderNode = (field: string | null, n: AstNode, depth: number): HTMLLIElement => {
    const summary = Object.entries(n.fields)
      .filter(([, x]) => !Array.isArray(x) && (!isNode(x) || isBare(x)) && x !== null)
      .map(([k, x]) => `${k}=${primitive(x)}`);
    const label: (Node | string)[] = [];
    if (field) label.push(el("span", "uth-field", field), " ");
    label.push(el("span", "uth-type", n._type));
    if (summary.length) label.push(" ", el("span", "uth-sum", summary.join(", ")));
    if (n.truncated) label.push(" ", el("span", "uth-sum", "(not expanded: the tree is too big or too deep)"));
    const li = item(label, `${field ? field + " " : ""}${n._type}${summary.length ? " " + summary.join(", ") : ""}`, depth, n);
    const fields = Object.entries(n.fields);
    if (!fields.length) return li;
    const g = group(li, depth === 0);
    for (const [k, x] of fields) {
      if (isNode(x) && !isBare(x)) g.append(renderNode(k, x, depth + 1));
      else if (Array.isArray(x) && x.some((y) => isNode(y) && !isBare(y))) {
        const listItem = item(
          [el("span", "uth-field", k), " ", el("span", "uth-sum", `list of ${x.length}`)],
          `${k}, a list of ${x.length}`,
          depth + 1,
        );
        const lg = group(listItem, depth === 0);
        x.forEach((y, i) => {
          if (isNode(y) && !isBare(y)) lg.append(renderNode(`${k}[${i}]`, y, depth + 2));
          else lg.append(item([el("span", "uth-field", `${k}[${i}]`), " ", el("code", undefined, primitive(y))], `${k}[${i}] ${primitive(y)}`, depth + 2));
        });
        g.append(listItem);
      } else {
        const text = Array.isArray(x) ? `[${x.map(primitive).join(", ")}]` : primitive(x);
        g.append(item([el("span", "uth-field", k), " ", el("code", undefined, text)], `${k} ${text}`, depth + 1));
      }
    }
    return li;
  };
  tree.append(renderNode(null, doc.ast, 0));
  items[0].li.tabIndex = 0;
  const scroller = el("div", "uth-scroll", tree);
  box.append(scroller);

  const visible = () => items.map((i) => i.li).filter((li) => !li.parentElement?.closest("[role=group][hidden]"));
  const setOpen = (li: HTMLElement, open: boolean) => {
    if (!li.hasAttribute("aria-expanded")) return;
    li.setAttribute("aria-expanded", String(open));
    const g = li.querySelector(":scope > [role=group]") as HTMLElement | null;
    if (g) g.hidden = !open;
  };
  let selected: Item | null = null;
  const select = (it: Item | null, scroll: boolean) => {
    if (selected) selected.li.setAttribute("aria-selected", "false");
    selected = it;
    if (!it) return v.mark("hl", [], "");
    it.li.setAttribute("aria-selected", "true");
    if (it.from && it.to) v.mark("hl", [{ from: it.from, to: it.to }], "cm-uth-hl", scroll);
    else v.mark("hl", [], "");
  };
  const itemOf = (e: Element | null): Item | null => {
    const li = e?.closest("[role=treeitem]") as HTMLElement | null;
    return li ? items[Number(li.dataset.k)] : null;
  };
  const focus = (li: HTMLElement) => {
    for (const i of items) i.li.tabIndex = i.li === li ? 0 : -1;
    li.focus();
  };

  tree.addEventListener("focusin", (ev) => {
    const it = itemOf(ev.target as Element);
    if (it && it.li === ev.target) {
      for (const i of items) i.li.tabIndex = i === it ? 0 : -1;
      select(it, true);
    }
  });
  tree.addEventListener("click", (ev) => {
    const it = itemOf(ev.target as Element);
    if (!it) return;
    if ((ev.target as Element).closest(".uth-twisty") || it === selected) setOpen(it.li, it.li.getAttribute("aria-expanded") === "false");
    focus(it.li);
    select(it, true);
  });
  tree.addEventListener("keydown", (ev) => {
    const it = itemOf(ev.target as Element);
    if (!it || it.li !== ev.target) return;
    const list = visible();
    const at = list.indexOf(it.li);
    const expanded = it.li.getAttribute("aria-expanded");
    let to: HTMLElement | null | undefined = null;
    switch (ev.key) {
      case "ArrowDown":
        to = list[at + 1];
        break;
      case "ArrowUp":
        to = list[at - 1];
        break;
      case "Home":
        to = list[0];
        break;
      case "End":
        to = list[list.length - 1];
        break;
      case "ArrowRight":
        if (expanded === "false") setOpen(it.li, true);
        else if (expanded === "true") to = it.li.querySelector("[role=treeitem]") as HTMLElement | null;
        break;
      case "ArrowLeft":
        if (expanded === "true") setOpen(it.li, false);
        else to = it.li.parentElement?.closest("[role=treeitem]") as HTMLElement | null;
        break;
      case "Enter":
      case " ":
        if (expanded) setOpen(it.li, expanded === "false");
        break;
      default:
        return;
    }
    ev.preventDefault();
    if (to) focus(to);
  });
  expandAll.addEventListener("click", () => items.forEach((i) => setOpen(i.li, true)));
  collapseAll.addEventListener("click", () => items.forEach((i, k) => setOpen(i.li, k === 0)));

  const before = (a: Pos, b: Pos) => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);
  v.onCursor((pos) => {
    let best: Item | null = null;
    for (const it of items) {
      if (!it.from || !it.to || !before(it.from, pos) || !before(pos, it.to)) continue;
      if (!best || it.depth > best.depth) best = it;
    }
    if (!best) return;
    for (let p = best.li.parentElement?.closest("[role=treeitem]"); p; p = p.parentElement?.closest("[role=treeitem]")) {
      setOpen(p as HTMLElement, true);
    }
    for (const i of items) i.li.tabIndex = i === best ? 0 : -1;
    select(best, false);
    scrollWithin(scroller, best.li.querySelector(".uth-row") as HTMLElement);
  });
  v.onActivate(() => select(selected, false));
  return box;
}
