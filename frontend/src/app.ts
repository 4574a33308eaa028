// PyGuide's page script (every page, deferred): the theme toggle, the search loader, progress
// and the guided path (progress.ts), the offline notice, the skip link to the first editor, and
// the lazy loaders of the editor bundle and predict.js. Kept small: it is part of every first load.

import { OFFLINE } from "./net";
import { markDone, setUpProgress } from "./progress";

const root = document.documentElement;
const state = (window.pyguide = window.pyguide || {});

// ---- Theme: follows the system until the reader picks one; the choice sticks (localStorage).
const media = window.matchMedia("(prefers-color-scheme: dark)");
const themeButton = document.getElementById("theme-toggle") as HTMLButtonElement | null;

function effectiveTheme(): "light" | "dark" {
  const set = root.getAttribute("data-theme");
  if (set === "light" || set === "dark") return set;
  return media.matches ? "dark" : "light";
}

/** The button names the theme it switches to. */
function paintThemeButton() {
  if (!themeButton) return;
  const dark = effectiveTheme() === "dark";
  const icon = themeButton.querySelector("[aria-hidden]");
  const label = themeButton.querySelector(".theme-label");
  if (icon) icon.textContent = dark ? "☀" : "☾";
  if (label) label.textContent = dark ? "Light theme" : "Dark theme";
}

// The button is in the page from the first paint (noscript.css hides it without JavaScript):
// showing it only now would shift the header.
if (themeButton) {
  paintThemeButton();
  themeButton.addEventListener("click", () => {
    const next = effectiveTheme() === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try {
      localStorage.setItem("pyguide-theme", next);
    } catch {
      // Storage disabled: the choice lasts for this page only.
    }
    paintThemeButton();
  });
  media.addEventListener("change", paintThemeButton);
}

// ---- Search: the form submits to /search, which the server answers without JavaScript.
// Results as you type come from search.js, loaded on the first focus of the box.
const searchForm = document.getElementById("search") as HTMLFormElement | null;
const searchJs = searchForm?.dataset.searchJs;
if (searchForm && searchJs) {
  const loadSearch = () => {
    const s = document.createElement("script");
    s.src = searchJs;
    s.async = true;
    document.head.append(s);
  };
  searchForm.addEventListener("focusin", loadSearch, { once: true });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---- The editor: loaded only on pages with examples, as soon as this script runs.
const editorUrl = document.body.dataset.editor;
let loading = false;

function loadEditor() {
  if (loading || !editorUrl) return;
  loading = true;
  const s = document.createElement("script");
  s.src = editorUrl;
  s.async = true;
  s.onerror = () => {
    loading = false;
    const pending = state.pendingRun;
    if (pending) {
      const out = pending.querySelector(".output-body");
      const note = el("pre", "stderr", navigator.onLine ? "The editor could not be loaded: press Run again, or reload the page." : OFFLINE);
      if (!navigator.onLine) note.dataset.offline = "true"; // cleared when back online
      out?.replaceChildren(note);
    }
  };
  document.head.append(s);
}

if (editorUrl && document.querySelector("[data-example], [data-exercise]")) {
  // If the load failed (offline), the next interaction with an example tries again.
  const wake = (ev: Event) => {
    const t = ev.target as Element | null;
    if (t && t.closest && t.closest("[data-example], [data-exercise]")) loadEditor();
  };
  for (const type of ["pointerover", "pointerdown", "focusin", "touchstart"]) {
    document.addEventListener(type, wake, { passive: true });
  }
  document.addEventListener("click", (ev) => {
    const button = (ev.target as Element).closest?.("[data-run]");
    if (!button || state.editorLoaded) return;
    const example = button.closest("[data-example]") as HTMLElement | null;
    if (!example) return;
    state.pendingRun = example;
    example.querySelector(".output-body")?.replaceChildren(el("pre", "output-placeholder", "Loading the editor…"));
    loadEditor();
  });
  // At once, not when idle: a long page's browser is rarely idle soon, and the page is not
  // interactive until its editors are. The script is async: the page paints without waiting.
  loadEditor();
}

// ---- "Skip to the first editor" (the second skip link): focus the first editor, loading the
// editor bundle first if need be (editor.js then focuses it once mounted).
document.querySelector("[data-skip-editor]")?.addEventListener("click", (ev) => {
  const first = document.querySelector<HTMLElement>("[data-example], [data-exercise]");
  if (!first) return;
  ev.preventDefault();
  first.scrollIntoView({ block: "start" });
  const content = first.querySelector<HTMLElement>(".cm-content");
  if (content) content.focus();
  else {
    state.focusFirst = true;
    loadEditor();
  }
});

// ---- Offline: one notice, "You're offline", gone when the network is back, with the
// output panes that said so put back as they were before the run.
function paintNetwork() {
  let notice = document.getElementById("net-status");
  if (navigator.onLine) {
    notice?.remove();
    const live = document.getElementById("announcer");
    if (live?.textContent === OFFLINE) live.textContent = "";
    document.querySelectorAll<HTMLElement>("[data-offline]").forEach((e) => {
      const body = e.closest(".output-body");
      const box = e.closest<HTMLElement>(".exercise-feedback, .share-box");
      if (body) body.replaceChildren(el("pre", "output-placeholder", 'Click "Run Code" to see the output'));
      else e.remove();
      if (box) box.hidden = true;
    });
    return;
  }
  if (notice) return;
  notice = el("p", "net-status", OFFLINE);
  notice.id = "net-status";
  notice.setAttribute("role", "status");
  document.body.append(notice);
}
addEventListener("online", paintNetwork);
addEventListener("offline", paintNetwork);
if (!navigator.onLine) paintNetwork();

// ---- Predict the output: predict.js, loaded on the first interaction with a question or when idle.
const predictUrl = document.body.dataset.predictJs;
if (predictUrl && document.querySelector("[data-predict]")) {
  let asked = false;
  const loadPredict = () => {
    if (asked) return;
    asked = true;
    const s = document.createElement("script");
    s.src = predictUrl;
    s.async = true;
    document.head.append(s);
  };
  for (const type of ["pointerover", "focusin", "touchstart"]) {
    document.addEventListener(type, (ev) => (ev.target as Element).closest?.("[data-predict]") && loadPredict(), {
      passive: true,
    });
  }
  const idle = (window as any).requestIdleCallback || ((f: () => void) => setTimeout(f, 1500));
  idle(loadPredict, { timeout: 3000 });
}

// ---- Chunks that editor.js and exercise.js use now and then, loaded on first use (the loader
// lives here to keep the editor bundle small). Their hashed URLs are on <body>.
const chunks: Record<string, Promise<unknown> | undefined> = {};
function chunk(url: string): Promise<unknown> {
  return (chunks[url] ||= new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = url;
    s.onload = resolve;
    s.onerror = () => reject((chunks[url] = undefined)); // tried again the next time
    document.head.append(s);
  }));
}

// "What this means": explain.js, the box under an explained error, loaded on the first one.
(window.pyguide = window.pyguide || {}).explain = (after, e) => {
  const url = document.body.dataset.explainJs;
  if (url) chunk(url).then(() => window.pyguide?.showExplanation?.(after, e), () => {});
};

// Pictures (plots, turtle drawings): pictures.js, loaded on a run's first picture. Each picture
// has its slot in the Output pane already, so they keep their order with the text meanwhile.
window.pyguide.picture = (slot, p) => {
  const url = document.body.dataset.picturesJs;
  const failed = () => (slot.textContent = `[${p.alt}: the page could not load its picture viewer]`);
  if (url) chunk(url).then(() => window.pyguide?.showPicture?.(slot, p), failed);
};

// ---- On narrow screens the sidebar sits above the tutorial: fold its boxes so the text comes first.
if (window.matchMedia("(max-width: 800px)").matches) {
  document.querySelectorAll<HTMLDetailsElement>("details.sidebar-box").forEach((d) => (d.open = false));
}

// ---- Progress, the guided path, export and import (progress.ts); exercise.js and predict.js
// mark passed exercises and answered predictions through state.markDone.
state.markDone = markDone;
setUpProgress();
