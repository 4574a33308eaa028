// The words for a network that is down, shared by every bundle: the learner reads "You're
// offline", never a browser's raw "Failed to fetch".

export const OFFLINE = "You're offline";

/** Plain words for a request that got no answer (`fetch` threw, a WebSocket failed). */
export function unreachable(what: string): string {
  return navigator.onLine ? `${what} The server could not be reached: try again in a moment.` : OFFLINE;
}
