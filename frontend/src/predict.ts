// Predict the output: the learner guesses what a snippet prints (a free-text answer or one of
// the choices), then the page reveals the output. Loaded lazily by app.js, only on pages with
// predictions, so it costs nothing elsewhere. A guess, right or wrong, counts in progress
// (window.pyguide.markDone, kept by app.js in localStorage): the point is to have predicted.

export {};

const state = (window.pyguide = window.pyguide || {});

// Free text is compared ignoring whitespace around the whole answer and at the ends of lines.
const norm = (s: string) =>
  s
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .trim();

function mount(box: HTMLElement) {
  const form = box.querySelector<HTMLFormElement>("[data-predict-form]");
  const answer = box.querySelector<HTMLDetailsElement>("[data-predict-answer]");
  const output = box.querySelector<HTMLElement>("[data-predict-output]");
  const verdict = box.querySelector<HTMLElement>("[data-predict-verdict]");
  if (!form || !answer || !output || !verdict || box.dataset.mounted) return;
  box.dataset.mounted = "1";
  const expected = output.textContent || "";
  // With JavaScript the output stays hidden until the learner has guessed.
  answer.hidden = true;
  form.hidden = false;
  const reveal = () => {
    answer.hidden = false;
    answer.open = true;
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const picked = form.querySelector<HTMLInputElement>("input[type=radio]:checked");
    const text = form.querySelector<HTMLTextAreaElement>("textarea");
    const guess = picked ? picked.value : text ? text.value : "";
    if (!picked && !norm(guess)) {
      verdict.className = "predict-verdict";
      verdict.textContent = text ? "Make a guess first: type what you think it prints." : "Pick an option first.";
      (text || form.querySelector<HTMLInputElement>("input[type=radio]"))?.focus();
      return;
    }
    const right = norm(guess) === norm(expected);
    verdict.className = "predict-verdict " + (right ? "right" : "wrong");
    verdict.textContent = right
      ? "Right! That is exactly what it prints."
      : "Not quite. Compare your guess with the real output below.";
    form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLButtonElement>("input, textarea, button").forEach(
      (el) => (el.disabled = true),
    );
    reveal();
    state.markDone?.(box.dataset.predict || "");
  });
  // A question answered earlier (in this browser) shows its output at once.
  const mark = box.querySelector<HTMLElement>("[data-predict-done]");
  if (mark && !mark.hidden) reveal();
}

document.querySelectorAll<HTMLElement>("[data-predict]").forEach(mount);
