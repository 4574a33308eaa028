// Results as you type for the header's search box, from the server's full-text search
// (GET /api/search). Loaded by app.js on the first focus of the box, so pages that are never
// searched do not pay for it. Without JavaScript the form submits to /search instead.

export {};

type Part = { text: string; mark: boolean };
type Hit = { title: string; tutorial: string; url: string; snippet: Part[] };

const form = document.getElementById("search") as HTMLFormElement;
const input = document.getElementById("search-input") as HTMLInputElement;
const results = document.getElementById("search-results") as HTMLUListElement;
const status = document.getElementById("search-status") as HTMLElement;
let inflight: AbortController | null = null;
let timer = 0;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function hitItem(h: Hit): HTMLLIElement {
  const li = el("li");
  const a = el("a", undefined, h.title);
  a.href = h.url;
  li.append(a);
  if (h.title !== h.tutorial) li.append(el("span", "search-where", h.tutorial));
  if (h.snippet.length) {
    const p = el("span", "search-snippet");
    p.append(...h.snippet.map((s) => (s.mark ? el("mark", undefined, s.text) : document.createTextNode(s.text))));
    li.append(p);
  }
  return li;
}

function show(q: string, items: HTMLLIElement[], said: string) {
  results.replaceChildren(...items);
  results.hidden = !q;
  status.textContent = said;
}

async function run() {
  const q = input.value;
  inflight?.abort();
  if (!q.trim()) return show("", [], "");
  const ctl = (inflight = new AbortController());
  try {
    const res = await fetch("/api/search?q=" + encodeURIComponent(q), { signal: ctl.signal });
    const body = await res.json();
    if (ctl.signal.aborted) return;
    if (!res.ok) return show(q, [el("li", "search-none", body.error || "Search is not working just now.")], "");
    const hits: Hit[] = body.hits;
    const items = hits.length ? hits.map(hitItem) : [el("li", "search-none", "Nothing matches.")];
    show(q, items, `${hits.length} result${hits.length === 1 ? "" : "s"}`);
  } catch {
    // Aborted by a newer keystroke, or offline: the form still submits to /search.
  }
}

input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = window.setTimeout(run, 60);
});
form.addEventListener("submit", (ev) => {
  const first = results.hidden ? null : results.querySelector("a");
  if (first) {
    ev.preventDefault();
    location.href = first.href;
  }
});
form.addEventListener("keydown", (ev) => {
  const links = Array.from(results.querySelectorAll("a"));
  const at = links.indexOf(document.activeElement as HTMLAnchorElement);
  if (ev.key === "ArrowDown" && links.length) {
    ev.preventDefault();
    links[Math.min(at + 1, links.length - 1)].focus();
  } else if (ev.key === "ArrowUp" && links.length) {
    ev.preventDefault();
    if (at <= 0) input.focus();
    else links[at - 1].focus();
  } else if (ev.key === "Escape") {
    results.hidden = true;
    input.focus();
  }
});
document.addEventListener("click", (ev) => {
  if (!form.contains(ev.target as Node)) results.hidden = true;
});
// Words typed before this script arrived.
if (input.value.trim() && document.activeElement === input) void run();
