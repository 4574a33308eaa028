// "What this means": the box under a failing run's traceback that explains the error in plain
// words (python/explain.py works it out in the sandbox; the server checks it). Loaded lazily by
// app.js on the first run that ends with an explained error, so a page pays nothing for it
// until then. Everything is inserted as text, never as HTML: `backticks` become <code>.

export {};

const state = (window.pyguide = window.pyguide || {});
/** Kinds the learner has already had explained: their box starts collapsed the next time. */
const SEEN = "pyguide.explained.v1";

function seenKinds(): string[] {
  try {
    const kinds = JSON.parse(localStorage.getItem(SEEN) || "[]");
    return Array.isArray(kinds) ? kinds : [];
  } catch {
    return [];
  }
}

function remember(kind: string) {
  const kinds = seenKinds();
  if (kinds.includes(kind)) return;
  try {
    localStorage.setItem(SEEN, JSON.stringify([...kinds, kind].slice(-100)));
  } catch {
    // Storage full or refused: the box just opens again next time.
  }
}

/** `text` as nodes: the parts between backticks as code. */
function rich(tag: "p" | "span", cls: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = cls;
  text.split("`").forEach((part, i) => {
    if (!part) return;
    if (i % 2) {
      const code = document.createElement("code");
      code.textContent = part;
      node.append(code);
    } else node.append(part);
  });
  return node;
}

/** The title of the section a link points to, in words: "/tutorials/variables#name-error" →
 * "variables: name error". */
function sectionName(link: string): string {
  const [page, anchor] = link.replace(/^\/tutorials\//, "").split("#");
  return `${page.replace(/-/g, " ")}${anchor ? ": " + anchor.replace(/-/g, " ") : ""}`;
}

function show(after: HTMLElement, e: PyGuideExplanation) {
  after.parentElement?.querySelector(":scope > .explain")?.remove();
  const box = document.createElement("details");
  box.className = "explain";
  box.dataset.kind = e.kind;
  box.open = !seenKinds().includes(e.kind);
  const summary = document.createElement("summary");
  summary.append(document.createElement("strong"));
  summary.firstElementChild!.textContent = "What this means: ";
  summary.append(rich("span", "explain-title", e.title));
  box.append(summary, rich("p", "explain-text", e.text));
  const fix = rich("p", "explain-fix", e.fix);
  fix.prepend(Object.assign(document.createElement("strong"), { textContent: "Try this: " }));
  box.append(fix);
  if (e.learn_more && e.learn_more.startsWith("/tutorials/")) {
    const p = document.createElement("p");
    p.className = "explain-more";
    const a = document.createElement("a");
    a.href = e.learn_more;
    a.textContent = sectionName(e.learn_more);
    p.append("Learn more: ", a);
    box.append(p);
  }
  after.after(box);
  remember(e.kind);
}

state.showExplanation = show;
