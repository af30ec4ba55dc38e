// The outbox of unsaved edits over a real IndexedDB implementation (fake-indexeddb):
// order and the read_version chain, backoff on passing failures, persistence across
// a "reload" (a second outbox over the same database), and the 409 case.
import { IDBFactory } from "fake-indexeddb";
import { beforeEach, describe, expect, it } from "vitest";
import { ApiError } from "../src/lib/api";
import type { Edit } from "../src/workspace/offline/edits";
import { IdbEditStore, openDatabase } from "../src/workspace/offline/idb";
import { ConflictStop, Outbox } from "../src/workspace/offline/outbox";
import { sendable } from "../src/workspace/offline/owners";
import { backoffDelay, DEFAULT_BACKOFF, isTransient } from "../src/workspace/offline/retry";
import type { Sender } from "../src/workspace/offline/transport";

const note = (text: string): Edit => ({ kind: "fields", values: { note: text } });

/** A reading API in miniature: one read version, 409 on a stale one; ``failures`` are answered first. */
class Server {
  version = 1;
  saved: string[] = [];
  sentWith: number[] = [];
  failures: unknown[] = [];
  send: Sender = async (edit, readVersion) => {
    this.sentWith.push(readVersion);
    const failure = this.failures.shift();
    if (failure) throw failure;
    if (readVersion !== this.version) throw new ApiError(409, { detail: "stale", read_version: this.version });
    this.version++;
    this.saved.push(edit.kind === "fields" ? String(edit.values.note) : edit.kind);
    return { result: { version: this.version }, readVersion: this.version };
  };
}

let factory: IDBFactory;
let server: Server;
let delays: number[];

async function open(readId = 1, page = "page-1"): Promise<{ outbox: Outbox; store: IdbEditStore }> {
  const store = new IdbEditStore(await openDatabase(factory));
  const delay = (attempt: number) => {
    delays.push(attempt);
    return 1;
  };
  return { outbox: new Outbox({ readId, page, readVersion: server.version, send: server.send, store, delay }), store };
}

beforeEach(() => {
  factory = new IDBFactory(); // a fresh, empty browser profile
  server = new Server();
  delays = [];
});

describe("outbox", () => {
  it("sends edits one after another, each with the version the previous produced, and forgets them once saved", async () => {
    const { outbox, store } = await open();
    await Promise.all([outbox.enqueue(note("a")), outbox.enqueue(note("b")), outbox.enqueue(note("c"))]);
    expect(server.saved).toEqual(["a", "b", "c"]);
    expect(server.sentWith).toEqual([1, 2, 3]);
    expect(outbox.readVersion).toBe(4);
    expect(outbox.state).toBe("saved");
    await outbox.idle();
    await new Promise((resolve) => setTimeout(resolve, 5)); // the last removal commits
    expect(await store.load(1)).toEqual({ readVersion: 4, edits: [] });
  });

  it("retries network failures and 5xx with growing waits, later edits waiting in order behind", async () => {
    const { outbox } = await open();
    server.failures = [new TypeError("Failed to fetch"), new ApiError(503, { detail: "database unavailable" }),
      new ApiError(502, null), new ApiError(504, null)]; // prettier-ignore
    const states: string[] = [];
    outbox.onState((state) => states.push(`${state}:${outbox.pending}`));
    const saved = [outbox.enqueue(note("a")), outbox.enqueue(note("b"))];
    await Promise.all(saved);
    expect(delays).toEqual([1, 2, 3, 4]); // one wait per failure, attempt numbers in a row
    expect(server.saved).toEqual(["a", "b"]);
    expect(server.sentWith).toEqual([1, 1, 1, 1, 1, 2]); // the chain never skips a version
    expect(states).toContain("offline:2");
    expect(states.at(-1)).toBe("saved:0");
  });

  it("backs off exponentially up to a cap, with jitter below the base", () => {
    const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6, 20].map((attempt) => backoffDelay(attempt, noJitter))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    const jittered = backoffDelay(3, DEFAULT_BACKOFF, () => 1);
    expect(jittered).toBe(1600);
    expect(isTransient(new TypeError("Failed to fetch"))).toBe(true);
    expect([500, 502, 503, 504].every((status) => isTransient(new ApiError(status, null)))).toBe(true);
    expect([400, 403, 404, 409, 413].some((status) => isTransient(new ApiError(status, null)))).toBe(false);
  });

  it("keeps edits in IndexedDB across a reload; the next page adopts and saves them in order", async () => {
    const first = await open();
    server.failures = Array.from({ length: 1000 }, () => new TypeError("Failed to fetch")); // the server is away
    void first.outbox.enqueue(note("a"));
    void first.outbox.enqueue({ kind: "add", body: { label: "clefting", geometry: { type: "Polygon", coordinates: [] } } });
    void first.outbox.enqueue(note("ab"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(first.outbox.state).toBe("offline");
    expect(first.outbox.pending).toBe(3);
    first.outbox.halt(); // the page is gone

    server.failures = [];
    const second = await open(); // a new page, a new connection to the same database
    const { readVersion, edits } = await second.store.load(1);
    expect(readVersion).toBe(1);
    expect(edits.map((stored) => stored.edit.kind)).toEqual(["fields", "add", "fields"]);
    await Promise.all(edits.map((stored) => second.outbox.adopt(stored)));
    expect(server.saved).toEqual(["a", "add", "ab"]);
    expect(server.version).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await second.store.load(1)).edits).toEqual([]);
  });

  it("keeps the edits of each read apart", async () => {
    const one = await open(1);
    const two = await open(2);
    server.failures = Array.from({ length: 1000 }, () => new TypeError("Failed to fetch"));
    void one.outbox.enqueue(note("one"));
    void two.outbox.enqueue(note("two"));
    await new Promise((resolve) => setTimeout(resolve, 10));
    one.outbox.halt();
    two.outbox.halt();
    expect((await one.store.load(1)).edits.map((stored) => stored.edit)).toEqual([note("one")]);
    expect((await one.store.load(2)).edits.map((stored) => stored.edit)).toEqual([note("two")]);
  });

  it("a page replays only the edits of pages that are gone, and claims them", async () => {
    const live = await open(1, "tab-a"); // still open: its edits are its own
    const gone = await open(1, "tab-b"); // closed or crashed
    server.failures = Array.from({ length: 1000 }, () => new TypeError("Failed to fetch"));
    void live.outbox.enqueue(note("a"));
    void gone.outbox.enqueue(note("b"));
    await new Promise((resolve) => setTimeout(resolve, 10));
    gone.outbox.halt();
    const third = await open(1, "tab-c");
    const { edits } = await third.store.load(1);
    const mine = sendable(edits, "tab-c", new Set(["tab-a", "tab-c"]));
    expect(mine.map((stored) => stored.edit)).toEqual([note("b")]);
    expect(sendable(edits, "tab-c", null)).toHaveLength(2); // no Web Locks: every stored edit counts as left behind
    await third.outbox.claim(mine);
    const after = (await third.store.load(1)).edits.map((stored) => [stored.page, stored.edit]);
    expect(after).toEqual([["tab-a", note("a")], ["tab-c", note("b")]]);
    live.outbox.halt();
  });

  it("stops at a 409 without dropping anything: the edits stay stored until applied again or discarded", async () => {
    const { outbox, store } = await open();
    await outbox.enqueue(note("a"));
    server.version = 7; // another tab saved meanwhile
    const b = outbox.enqueue(note("b"));
    const c = outbox.enqueue(note("c"));
    await expect(b).rejects.toMatchObject({ status: 409 });
    await expect(c).rejects.toBeInstanceOf(ConflictStop);
    expect(outbox.state).toBe("conflict");
    // Typed after the conflict: refused, and kept with the others.
    await expect(outbox.enqueue(note("d"))).rejects.toBeInstanceOf(ConflictStop);
    const kept = await store.load(1);
    expect(kept.edits.map((stored) => stored.edit)).toEqual([note("b"), note("c"), note("d")]);

    // The reader applies them again on top of the read as reloaded (version 7).
    await outbox.restart(7);
    await Promise.all(kept.edits.map((stored) => outbox.adopt(stored)));
    expect(server.saved).toEqual(["a", "b", "c", "d"]);
    expect(server.sentWith.slice(-3)).toEqual([7, 8, 9]);
    expect(outbox.state).toBe("saved");
  });

  it("discarding at a conflict empties the read's store and saves again on top of the reloaded read", async () => {
    const { outbox, store } = await open();
    server.version = 3;
    await expect(outbox.enqueue(note("stale"))).rejects.toBeInstanceOf(ApiError);
    await outbox.discard(3, (await store.load(1)).edits);
    expect((await store.load(1)).edits).toEqual([]);
    await outbox.enqueue(note("fresh"));
    expect(server.saved).toEqual(["fresh"]);
  });

  it("drops an edit the server refuses for good (400), says so, and goes on with the next", async () => {
    const { outbox, store } = await open();
    server.failures = [new ApiError(400, { geometry: ["ring has fewer than 3 vertices"] })];
    const bad = outbox.enqueue(note("bad"));
    const good = outbox.enqueue(note("good"));
    await expect(bad).rejects.toThrow("geometry: ring has fewer than 3 vertices");
    await good;
    expect(server.saved).toEqual(["good"]);
    expect(delays).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await store.load(1)).edits).toEqual([]);
  });

  it("counts a note being typed as pending", async () => {
    const { outbox } = await open();
    outbox.hold();
    expect([outbox.state, outbox.pending]).toEqual(["saving", 1]);
    outbox.release();
    expect([outbox.state, outbox.pending]).toEqual(["saved", 0]);
  });
});
