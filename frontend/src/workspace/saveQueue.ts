// Autosave: every write goes through one queue, in order, each carrying the
// read version it was made against (optimistic locking on the server).
//
// Decision: writes are serialised so that each one knows the version the previous
// one produced; a 409 (another tab or window saved first, or the read was locked)
// stops the queue for good: the page must reload rather than overwrite.
import { ApiError } from "./api";

export type SaveState = "saved" | "saving" | "error" | "conflict";

/** A write: receives the read version to send, returns its result and the version after it. */
export type Write<T> = (readVersion: number) => Promise<{ result: T; readVersion: number }>;

export class ConflictStop extends Error {
  constructor() {
    super("saving stopped: this read changed elsewhere");
  }
}

export class SaveQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private failed = false;
  private stopped = false;
  private readonly listeners = new Set<(state: SaveState, message: string) => void>();
  lastError = "";

  constructor(public readVersion: number) {}

  get state(): SaveState {
    if (this.stopped) return "conflict";
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
    for (const listener of this.listeners) listener(this.state, this.lastError);
  }

  /** Queue ``write``; resolves with its result, rejects with ApiError or ConflictStop. */
  enqueue<T>(write: Write<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new ConflictStop());
    this.pending++;
    this.notify();
    const run = async (): Promise<T> => {
      if (this.stopped) throw new ConflictStop();
      try {
        const { result, readVersion } = await write(this.readVersion);
        this.readVersion = Math.max(this.readVersion, readVersion);
        this.failed = false;
        this.lastError = "";
        return result;
      } catch (error) {
        if (error instanceof ApiError && error.isConflict) this.stopped = true;
        else if (!(error instanceof ConflictStop)) this.failed = true;
        this.lastError = error instanceof Error ? error.message : String(error);
        throw error;
      } finally {
        this.pending--;
        this.notify();
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** A change waiting to be queued (typing in the note): the page is not "Saved" until ``release``. */
  hold(): void {
    this.pending++;
    this.notify();
  }

  release(): void {
    this.pending = Math.max(0, this.pending - 1);
    this.notify();
  }

  /** Resolves when every queued write has finished (whatever its outcome). */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

/** What to tell the person about a failed write; null for a conflict (the reload banner says it). */
export function failureMessage(error: unknown): string | null {
  if (error instanceof ConflictStop || (error instanceof ApiError && error.isConflict)) return null;
  return error instanceof Error ? error.message : String(error);
}
