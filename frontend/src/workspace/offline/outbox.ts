// Autosave: every edit goes through one outbox, kept in IndexedDB until the server
// has it, sent in the order it was made, each with the read version the previous
// one produced (optimistic locking on the server).
//
// Decisions. An edit is stored before it is sent, and removed when the server has
// answered for it, so a reload or crash in between loses nothing (the page replays
// what is left, see page/pending.ts). A passing failure (network, 5xx: the server or
// its database is away) keeps the edit at the head and tries again after a backoff
// (capped), the later edits waiting behind it: the chain of read versions is never
// broken. A 409 (the read changed in another tab, or was submitted) stops the
// outbox: the edits stay stored and the page asks the reader what to do with them.
// Any other refusal (400, 403, 404) is final for that one edit: it is dropped and the
// reader is told why.
import { ApiError } from "../../lib/api";
import type { Edit, ResultOf, StoredEdit } from "./edits";
import type { EditStore } from "./idb";
import { backoffDelay, isTransient } from "./retry";
import type { Sender } from "./transport";

export type SaveState = "saved" | "saving" | "offline" | "error" | "conflict";

/** Refused because the outbox stopped at a conflict (the edit itself is still stored). */
export class ConflictStop extends Error {
  constructor() {
    super("saving stopped: this read changed elsewhere");
  }
}

export interface OutboxOptions {
  readId: number;
  /** This page's id (offline/owners.ts): its edits are tagged with it. */
  page?: string;
  readVersion: number;
  send: Sender;
  store: EditStore;
  /** Wait before the try after ``attempt`` failures in a row (default: exponential, capped). */
  delay?: (attempt: number) => number;
}

interface Waiting {
  edit: Edit;
  /** The edit's key in the store, once stored (null: the store refused it; it lives in memory only). */
  seq: Promise<number | null>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

export class Outbox {
  readVersion: number;
  lastError = "";
  private readonly readId: number;
  readonly page: string;
  private readonly send: Sender;
  private readonly store: EditStore;
  private readonly delay: (attempt: number) => number;
  private readonly waiting: Waiting[] = [];
  private readonly listeners = new Set<(state: SaveState, message: string) => void>();
  private idleWaiters: (() => void)[] = [];
  private held = 0;
  private running = false;
  private attempts = 0;
  private failed = false;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(options: OutboxOptions) {
    this.readId = options.readId;
    this.page = options.page ?? "page";
    this.readVersion = options.readVersion;
    this.send = options.send;
    this.store = options.store;
    this.delay = options.delay ?? ((attempt) => backoffDelay(attempt));
  }

  /** Edits not yet saved, a note being typed included. */
  get pending(): number {
    return this.waiting.length + this.held;
  }

  get state(): SaveState {
    if (this.stopped) return "conflict";
    if (this.attempts > 0 && this.waiting.length > 0) return "offline";
    if (this.pending > 0) return "saving";
    return this.failed ? "error" : "saved";
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  onState(listener: (state: SaveState, message: string) => void): void {
    this.listeners.add(listener);
  }

  private notify(): void {
    if (this.waiting.length === 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
    for (const listener of this.listeners) listener(this.state, this.lastError);
  }

  /** Store ``edit`` and send it after the ones before it; resolves with the server's answer. */
  enqueue<E extends Edit>(edit: E): Promise<ResultOf<E>> {
    const seq = this.store.add(this.readId, this.page, edit, this.readVersion).catch((error: unknown) => {
      console.warn("edit kept in memory only: the browser refused to store it", error);
      return null;
    });
    // Stopped at a conflict: kept with the others for the reader to apply again or discard.
    if (this.stopped) return seq.then(() => Promise.reject(new ConflictStop()));
    return this.push(edit, seq) as Promise<ResultOf<E>>;
  }

  /** An edit stored by an earlier visit of the page: sent in its turn, not stored again. */
  adopt<E extends Edit>(stored: StoredEdit & { edit: E }): Promise<ResultOf<E>> {
    if (this.stopped) return Promise.reject(new ConflictStop());
    return this.push(stored.edit, Promise.resolve(stored.seq)) as Promise<ResultOf<E>>;
  }

  private push(edit: Edit, seq: Promise<number | null>): Promise<unknown> {
    const promise = new Promise<unknown>((resolve, reject) => this.waiting.push({ edit, seq, resolve, reject }));
    this.notify();
    void this.pump();
    return promise;
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.waiting.length > 0 && !this.stopped) {
      const head = this.waiting[0];
      const seq = await head.seq;
      try {
        const { result, readVersion } = await this.send(head.edit, this.readVersion);
        this.readVersion = Math.max(this.readVersion, readVersion);
        this.waiting.shift();
        this.forget(seq);
        this.attempts = 0;
        this.failed = false;
        this.lastError = "";
        head.resolve(result);
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error);
        if (isTransient(error)) {
          this.attempts++;
          this.notify();
          await this.pause(this.delay(this.attempts));
          continue;
        }
        this.attempts = 0;
        if (error instanceof ApiError && error.isConflict) {
          this.stop(error);
          break;
        }
        this.waiting.shift();
        this.forget(seq); // refused for good: the reader is told (the caller's catch)
        this.failed = true;
        head.reject(error);
      }
      this.notify();
    }
    this.running = false;
    this.notify();
  }

  private forget(seq: number | null): void {
    if (seq === null) return;
    this.store.remove(this.readId, seq, this.readVersion).catch((error: unknown) => console.warn(error));
  }

  /** A conflict: every waiting edit is refused here but stays stored, for the reader to apply again or discard. */
  private stop(error: ApiError): void {
    this.stopped = true;
    const [head, ...rest] = this.waiting.splice(0);
    head.reject(error);
    for (const waiting of rest) waiting.reject(new ConflictStop());
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** Stop as at a conflict (the page found stored edits made on an older version of the read). */
  halt(): void {
    this.stopped = true;
    this.notify();
  }

  /** Try the waiting edit now (the browser says it is online again). */
  retryNow(): void {
    this.wake?.();
  }

  /** After a conflict: continue on top of ``readVersion`` (the read as reloaded); stored edits must be adopted again. */
  async restart(readVersion: number): Promise<void> {
    await this.store.rebase(this.readId, readVersion);
    this.readVersion = readVersion;
    this.stopped = false;
    this.failed = false;
    this.lastError = "";
    this.notify();
  }

  /** Drop ``edits`` (the reader chose to) and continue on top of ``readVersion``. */
  async discard(readVersion: number, edits: StoredEdit[]): Promise<void> {
    await Promise.all(edits.map((stored) => this.store.remove(this.readId, stored.seq, readVersion)));
    await this.restart(readVersion);
  }

  /** This page sends these stored edits from now on (their page is gone). */
  claim(edits: StoredEdit[]): Promise<void> {
    const foreign = edits.filter((stored) => stored.page !== this.page).map((stored) => stored.seq);
    return foreign.length ? this.store.claim(foreign, this.page) : Promise.resolve();
  }

  /** What is stored for this read (after a reload or a conflict). */
  stored(): ReturnType<EditStore["load"]> {
    return this.store.load(this.readId);
  }

  /** A change waiting to be queued (typing in the note): the page is not "Saved" until ``release``. */
  hold(): void {
    this.held++;
    this.notify();
  }

  release(): void {
    this.held = Math.max(0, this.held - 1);
    this.notify();
  }

  /** Resolves when no edit waits (each saved, refused or stopped). */
  idle(): Promise<void> {
    if (this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** What to tell the person about a failed edit; null for a conflict (the banner says it). */
export function failureMessage(error: unknown): string | null {
  if (error instanceof ConflictStop || (error instanceof ApiError && error.isConflict)) return null;
  return error instanceof Error ? error.message : String(error);
}
