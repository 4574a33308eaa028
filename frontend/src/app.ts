// PyGuide's page script (every page, deferred): the theme toggle, the search loader, exercise and
// prediction progress marks, and the lazy loaders of the editor bundle and predict.js. Kept small: it is part of every first load.

export {};

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

function paintThemeButton() {
  if (!themeButton) return;
  const dark = effectiveTheme() === "dark";
  themeButton.setAttribute("aria-pressed", String(dark));
}

if (themeButton) {
  themeButton.hidden = false;
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

// ---- The editor: loaded only on pages with examples, on first interaction or when idle.
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
      out?.replaceChildren(el("pre", "stderr", "The editor could not be loaded. Check your connection and reload."));
    }
  };
  document.head.append(s);
}

if (editorUrl && document.querySelector("[data-example], [data-exercise]")) {
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
  const idle = (window as any).requestIdleCallback || ((f: () => void) => setTimeout(f, 1500));
  idle(loadEditor, { timeout: 4000 });
}

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

// ---- On narrow screens the sidebar sits above the tutorial: fold its boxes so the text comes first.
if (window.matchMedia("(max-width: 800px)").matches) {
  document.querySelectorAll<HTMLDetailsElement>("details.sidebar-box").forEach((d) => (d.open = false));
}

// ---- Exercise progress, kept in this browser only: {"done": {"<exercise id>": <ms timestamp>}}.
// exercise.js calls markDone when a check passes; the marks below are painted on every load.
const PROGRESS = "pyguide.progress.v1";
const CODE = "pyguide.code.v1"; // exercise.js: the learner's edited code per exercise

function doneSet(): Record<string, number> {
  try {
    const v = JSON.parse(localStorage.getItem(PROGRESS) || "{}");
    return v && typeof v.done === "object" && v.done ? v.done : {};
  } catch {
    return {};
  }
}

const idsOf = (e: HTMLElement) => (e.dataset.exercises || "").split(" ").filter(Boolean);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function paintProgress() {
  const done = doneSet();
  document.querySelectorAll<HTMLElement>("[data-exercise]").forEach((ex) => {
    const mark = ex.querySelector<HTMLElement>("[data-exercise-done]");
    if (mark) mark.hidden = !done[ex.dataset.exercise || ""];
  });
  // Predictions: the same store ("<slug>/predict-N" ids), counted apart from exercises.
  let predictions = 0;
  let predicted = 0;
  document.querySelectorAll<HTMLElement>("[data-predict]").forEach((q) => {
    const mark = q.querySelector<HTMLElement>("[data-predict-done]");
    if (mark) mark.hidden = !done[q.dataset.predict || ""];
  });
  document.querySelectorAll<HTMLElement>("[data-predictions]").forEach((box) => {
    const ids = (box.dataset.predictions || "").split(" ").filter(Boolean);
    const n = ids.filter((id) => done[id]).length;
    predictions += ids.length;
    predicted += n;
    const text = box.querySelector("[data-progress]");
    if (text && !box.dataset.exercises) text.textContent = `Predictions: ${n} of ${ids.length} answered`;
  });
  const predictTotal = document.querySelector("[data-predict-total]");
  if (predictTotal) predictTotal.textContent = `${predicted} of ${plural(predictions, "prediction")} answered`;
  let all = 0;
  let doneAll = 0;
  document.querySelectorAll<HTMLElement>("[data-exercises]").forEach((box) => {
    const ids = idsOf(box);
    const n = ids.filter((id) => done[id]).length;
    const card = box.classList.contains("tutorial-card");
    if (card) {
      all += ids.length;
      doneAll += n;
    }
    const text = box.querySelector("[data-progress]");
    if (text) {
      text.textContent = card ? `${n}/${ids.length} exercises done` : `Exercises: ${n} of ${ids.length} done`;
      if (n === ids.length) text.append(" ✓");
    }
    box.classList.toggle("all-done", n === ids.length);
  });
  const panel = document.querySelector<HTMLElement>("[data-progress-panel]");
  const total = panel?.querySelector("[data-progress-total]");
  if (panel && total) {
    panel.hidden = false;
    total.textContent = `${doneAll} of ${plural(all, "exercise")} done`;
  }
}

state.markDone = (id: string) => {
  const done = doneSet();
  done[id] = Date.now();
  try {
    localStorage.setItem(PROGRESS, JSON.stringify({ done }));
  } catch {
    // Storage disabled: the mark lasts for this page only.
  }
  paintProgress();
};
paintProgress();
addEventListener("storage", (e) => (e.key === PROGRESS || e.key === null) && paintProgress());

// Reset progress (home page), after a second, explicit confirmation (no window.confirm).
const resetButton = document.querySelector<HTMLButtonElement>("[data-progress-reset]");
if (resetButton) {
  const box = resetButton.parentElement as HTMLElement;
  const ask = el("p", "progress-confirm");
  ask.hidden = true;
  ask.setAttribute("role", "group");
  ask.setAttribute("aria-label", "Confirm reset");
  const yes = el("button", "danger", "Yes, reset my progress");
  const no = el("button", undefined, "Cancel");
  yes.type = no.type = "button";
  ask.append("This forgets which exercises you completed and your saved answers, in this browser. ", yes, " ", no);
  const note = el("span", "progress-note");
  note.setAttribute("role", "status");
  box.append(ask, note);
  const close = (focus: boolean) => {
    ask.hidden = true;
    resetButton.hidden = false;
    if (focus) resetButton.focus();
  };
  resetButton.addEventListener("click", () => {
    note.textContent = "";
    ask.hidden = false;
    resetButton.hidden = true;
    yes.focus();
  });
  no.addEventListener("click", () => close(true));
  ask.addEventListener("keydown", (e) => e.key === "Escape" && close(true));
  yes.addEventListener("click", () => {
    try {
      localStorage.removeItem(PROGRESS);
      localStorage.removeItem(CODE);
    } catch {
      // nothing stored
    }
    paintProgress();
    close(true);
    note.textContent = "Progress reset.";
  });
}
