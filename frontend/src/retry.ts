// A busy server (429: this address runs as many programs as it may; 503: every run slot is
// taken) is not an error to show the learner: say what is happening, count down, try again.

/** Shows "Busy: <doing> again in N s…" in `into`, then calls `again`. Returns a cancel function. */
export function retryCountdown(into: HTMLElement, seconds: number, doing: string, again: () => void): () => void {
  const p = document.createElement("p");
  p.className = "status status-busy";
  p.setAttribute("role", "status");
  let left = Math.max(1, Math.round(seconds));
  const show = () => (p.textContent = `Busy: ${doing} again in ${left} s…`);
  show();
  into.append(p);
  const timer = window.setInterval(() => {
    left -= 1;
    if (left > 0) return void show();
    window.clearInterval(timer);
    p.remove();
    again();
  }, 1000);
  return () => {
    window.clearInterval(timer);
    p.remove();
  };
}

/** Is this HTTP status one to wait out and retry? */
export const isBusy = (status: number) => status === 429 || status === 503;
