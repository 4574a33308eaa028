// The learner's progress, kept in this browser only (saved.ts): the marks on exercises and
// predictions, the per-tutorial counts on the home page and in the sidebar, the guided path
// ("Start here" / "Continue: …" on the home page), Reset progress, and export/import of
// progress and saved code as one JSON file. Part of app.js (every page).

import { anythingSaved, exportAll, forgetAll, importAll, progress, saveProgress, PROGRESS_KEY } from "./saved";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const idsOf = (e: HTMLElement, attr = "exercises") => (e.dataset[attr] || "").split(" ").filter(Boolean);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function paintProgress() {
  const { done } = progress();
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
    const ids = idsOf(box, "predictions");
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
      // The sidebar: a short count, with words for screen readers in its label.
      if (box.classList.contains("nav-item")) {
        text.textContent = n === ids.length ? "✓" : `${n}/${ids.length}`;
        text.setAttribute("aria-label", `${n} of ${plural(ids.length, "exercise")} done`);
      } else {
        text.textContent = card ? `${n}/${ids.length} exercises done` : `Exercises: ${n} of ${ids.length} done`;
        if (n === ids.length) text.append(" ✓");
      }
    }
    box.classList.toggle("all-done", n === ids.length);
  });
  const total = document.querySelector("[data-progress-total]");
  if (total) total.textContent = `${doneAll} of ${plural(all, "exercise")} done`;
  // Nothing to reset: no button to press.
  const reset = document.querySelector<HTMLElement>("[data-progress-reset]");
  if (reset && !reset.closest("[data-confirming]")) reset.hidden = !anythingSaved();
  paintGuide();
}

/** Remembers a passed exercise (or answered prediction) and repaints the marks. */
export function markDone(id: string) {
  const p = progress();
  p.done[id] = Date.now();
  saveProgress(p);
  paintProgress();
}

// ---- The guided path on the home page: "Start here" for a newcomer; for a returning learner,
// "Continue: <tutorial> — <next thing to do>" (the first exercise not done in the tutorial last
// visited, else the next tutorial). The box is server-rendered as "Start here" with the same
// height, so the change does not move the page.
function paintGuide() {
  const guide = document.querySelector<HTMLElement>("[data-guide]");
  const link = guide?.querySelector<HTMLAnchorElement>("a");
  if (!guide || !link) return;
  const cards = Array.from(document.querySelectorAll<HTMLElement>(".tutorial-card[data-slug]"));
  const { done, last } = progress();
  let at = last ? cards.findIndex((c) => c.dataset.slug === last.slug) : -1;
  if (at < 0) {
    // No visit recorded (progress imported, or from before visits were kept): the tutorial of
    // the latest mark.
    let latest = 0;
    cards.forEach((c, i) => idsOf(c).forEach((id) => done[id] > latest && ((latest = done[id]), (at = i))));
  }
  const label = guide.querySelector("[data-guide-label]");
  const title = (c: HTMLElement) => c.querySelector("a")?.textContent || "";
  if (at < 0) {
    if (label) label.textContent = "Start here:";
    return;
  }
  const card = cards[at];
  const ids = idsOf(card);
  const todo = ids.findIndex((id) => !done[id]);
  const href = (c: HTMLElement) => c.querySelector("a")?.getAttribute("href") || "/";
  let text: string;
  let url: string;
  if (todo >= 0 && ids.some((id) => done[id])) {
    text = `${title(card)} — exercise ${todo + 1} of ${ids.length}`;
    url = `${href(card)}#${ids[todo].split("/").pop()}`;
  } else if (todo >= 0) {
    text = `${title(card)} — its exercises`;
    url = `${href(card)}#${ids[0].split("/").pop()}`;
  } else if (cards[at + 1]) {
    text = `${title(cards[at + 1])} — the next tutorial`;
    url = href(cards[at + 1]);
  } else {
    text = `${title(card)} — the last tutorial: try your own ideas in the Playground next`;
    url = "/playground";
  }
  if (label) label.textContent = "Continue:";
  link.textContent = text;
  link.href = url;
  guide.classList.add("continuing");
}

/** On a tutorial page: remembers it as the one to continue from. */
function rememberVisit() {
  const slug = document.querySelector<HTMLElement>("article.tutorial[data-slug]")?.dataset.slug;
  if (!slug) return;
  const p = progress();
  p.last = { slug, at: Date.now() };
  saveProgress(p);
}

// ---- Reset progress (home page), after a second, explicit confirmation (no window.confirm).
function resetControls(resetButton: HTMLButtonElement) {
  const box = resetButton.parentElement as HTMLElement;
  const ask = el("p", "progress-confirm");
  ask.hidden = true;
  ask.setAttribute("role", "group");
  ask.setAttribute("aria-label", "Confirm reset");
  const yes = el("button", "danger", "Yes, reset my progress");
  const no = el("button", undefined, "Cancel");
  yes.type = no.type = "button";
  ask.append("This forgets which exercises you completed and your saved code, in this browser. ", yes, " ", no);
  const note = el("span", "progress-note");
  note.setAttribute("role", "status");
  note.tabIndex = -1;
  box.append(ask, note);
  const close = (focus: boolean) => {
    ask.hidden = true;
    delete box.dataset.confirming;
    paintProgress();
    if (!focus) return;
    if (resetButton.hidden) note.focus();
    else resetButton.focus();
  };
  resetButton.addEventListener("click", () => {
    note.textContent = "";
    ask.hidden = false;
    box.dataset.confirming = "true";
    resetButton.hidden = true;
    yes.focus();
  });
  no.addEventListener("click", () => close(true));
  ask.addEventListener("keydown", (e) => e.key === "Escape" && close(true));
  yes.addEventListener("click", () => {
    forgetAll();
    note.textContent = "Progress reset.";
    close(true);
  });
}

// ---- Export and import: progress and saved code, one JSON file, to move to another browser.
function backupControls(exportButton: HTMLButtonElement, file: HTMLInputElement) {
  // One status line for the panel's buttons (Reset progress made it, if it is there).
  let note = document.querySelector<HTMLElement>(".progress-note");
  if (!note) {
    note = el("span", "progress-note");
    note.setAttribute("role", "status");
    (exportButton.parentElement as HTMLElement).append(note);
  }
  exportButton.addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([exportAll()], { type: "application/json" }));
    const a = el("a");
    a.href = url;
    a.download = `pyguide-progress-${new Date().toISOString().slice(0, 10)}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    note!.classList.remove("progress-error");
    note!.textContent = "Progress exported.";
  });
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    file.value = "";
    if (!f) return;
    const r = importAll(await f.text());
    note!.classList.toggle("progress-error", !r.ok);
    note!.textContent = r.ok ? `Imported: ${plural(r.exercises, "new exercise mark")}, ${plural(r.edits, "saved edit")}.` : r.error;
    paintProgress();
  });
}

export function setUpProgress() {
  rememberVisit();
  const resetButton = document.querySelector<HTMLButtonElement>("[data-progress-reset]");
  if (resetButton) resetControls(resetButton);
  const exportButton = document.querySelector<HTMLButtonElement>("[data-progress-export]");
  const file = document.querySelector<HTMLInputElement>("[data-progress-import]");
  if (exportButton && file) backupControls(exportButton, file);
  paintProgress();
  addEventListener("storage", (e) => (e.key === PROGRESS_KEY || e.key === null) && paintProgress());
}
