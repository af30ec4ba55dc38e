// When to try an edit again, and how long to wait. A network failure (fetch's
// TypeError: the server or the way to it is down) and a 5xx (502/503/504 from the
// proxy or the server when its database is away; a 500 can be the same) are
// passing: the edit waits and is sent again. Every other answer is final: a 409
// (the read changed elsewhere) stops the chain, a 4xx refuses this edit.
import { ApiError } from "../../lib/api";

export function isTransient(error: unknown): boolean {
  if (error instanceof ApiError) return error.status >= 500 || error.status === 408 || error.status === 429;
  return error instanceof TypeError;
}

export interface Backoff {
  firstMs: number;
  maxMs: number;
  factor: number;
  /** 0..1: the share of each delay drawn at random, so many pages do not retry in step. */
  jitter: number;
}

export const DEFAULT_BACKOFF: Backoff = { firstMs: 500, maxMs: 8000, factor: 2, jitter: 0.2 };

/** The wait before try ``attempt`` + 1 (``attempt`` ≥ 1 failures so far), capped at ``maxMs``. */
export function backoffDelay(attempt: number, backoff: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.firstMs * backoff.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - backoff.jitter * random()));
}
