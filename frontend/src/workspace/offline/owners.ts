// Which stored edits no live page is sending: those are the ones a page may replay.
//
// Two tabs of one read share the browser's IndexedDB. Each page tags its edits with
// its own id and holds a Web Lock named after it for as long as it lives (the browser
// releases it when the page goes, crash included). An edit whose page holds no lock
// was left behind; an edit of a live page is that page's business. Without Web Locks
// (an insecure context: plain http on a host other than localhost) every stored edit
// counts as left behind: a simplification that can send an edit twice when two tabs
// of one read are open with edits waiting.
import type { StoredEdit } from "./edits";

const PREFIX = "rcm-workspace-page:";

function newPageId(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** This page's id, and its lock held until the page goes. */
export function claimPage(): string {
  const page = newPageId();
  if (typeof navigator !== "undefined" && navigator.locks) {
    void navigator.locks.request(PREFIX + page, () => new Promise<never>(() => {}));
  }
  return page;
}

/** The ids of live pages; null when the browser cannot tell. */
export async function livePages(): Promise<Set<string> | null> {
  if (typeof navigator === "undefined" || !navigator.locks) return null;
  const { held = [] } = await navigator.locks.query();
  return new Set(held.flatMap((lock) => (lock.name?.startsWith(PREFIX) ? [lock.name.slice(PREFIX.length)] : [])));
}

/** The edits ``page`` may send: its own and those whose page is gone. */
export function sendable(edits: StoredEdit[], page: string, live: Set<string> | null): StoredEdit[] {
  return edits.filter((stored) => stored.page === page || live === null || !live.has(stored.page));
}
