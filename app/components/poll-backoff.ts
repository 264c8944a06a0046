// How often the studio polls a running request: every second while something moves, then less and
// less often while nothing changes (a request waiting in line, a long tuning step), back to every
// second at the first change.

export const POLL_MS = 1000;
export const POLL_MAX_MS = 5000;
const FACTOR = 1.5;

export interface Backoff {
  /** What the last answer said (its signature). */
  signature: string | null;
  /** Answers in a row that said the same as the one before. */
  unchanged: number;
}

export const NO_BACKOFF: Backoff = { signature: null, unchanged: 0 };

/** The backoff after an answer with this signature. */
export function nextBackoff(state: Backoff, signature: string): Backoff {
  return signature === state.signature ? { signature, unchanged: state.unchanged + 1 } : { signature, unchanged: 0 };
}

/** The wait before the next poll. */
export function pollDelayMs(state: Backoff): number {
  return Math.min(POLL_MAX_MS, Math.round(POLL_MS * FACTOR ** state.unchanged));
}
