// Where unsaved edits wait: IndexedDB, so they survive a reload, a crash or a closed
// tab. One database for the workspace; the store "edits" has an auto-increment key
// ``seq`` (the order edits were made in) and an index by read; the store "reads"
// keeps, per read, the read version its first waiting edit is to be sent with.
// An edit and that version change in one transaction, so the chain is never torn.
import type { Edit, StoredEdit, StoredRead } from "./edits";

/** The persistence the outbox needs; the in-memory one is the fallback when IndexedDB is unavailable. */
export interface EditStore {
  load(readId: number): Promise<StoredRead>;
  /** Keep ``edit`` of ``page``; resolves with its ``seq``. ``readVersion``: what the first waiting edit is sent with. */
  add(readId: number, page: string, edit: Edit, readVersion: number): Promise<number>;
  /** ``page`` sends these edits now (their own page is gone). */
  claim(seqs: number[], page: string): Promise<void>;
  /** The edit ``seq`` is settled (saved, or refused for good); the chain continues at ``readVersion``. */
  remove(readId: number, seq: number, readVersion: number): Promise<void>;
  /** The waiting edits are to be sent on top of ``readVersion`` (after a reload of the read). */
  rebase(readId: number, readVersion: number): Promise<void>;
}

const DB_NAME = "rcm-workspace";
const DB_VERSION = 1;

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function committed(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error("IndexedDB transaction aborted"));
  });
}

export function openDatabase(factory: IDBFactory = indexedDB, name = DB_NAME): Promise<IDBDatabase> {
  const request = factory.open(name, DB_VERSION);
  request.onupgradeneeded = () => {
    const db = request.result;
    db.createObjectStore("edits", { keyPath: "seq", autoIncrement: true }).createIndex("readId", "readId");
    db.createObjectStore("reads", { keyPath: "readId" });
  };
  return done(request);
}

export class IdbEditStore implements EditStore {
  constructor(private readonly db: IDBDatabase) {}

  async load(readId: number): Promise<StoredRead> {
    const transaction = this.db.transaction(["edits", "reads"], "readonly");
    const [edits, meta] = await Promise.all([
      // Within one index key, records come in primary-key (seq) order: the order they were made.
      done(transaction.objectStore("edits").index("readId").getAll(readId)) as Promise<StoredEdit[]>,
      done(transaction.objectStore("reads").get(readId)) as Promise<{ readVersion: number } | undefined>,
    ]);
    return { readVersion: meta?.readVersion ?? null, edits };
  }

  async add(readId: number, page: string, edit: Edit, readVersion: number): Promise<number> {
    const transaction = this.db.transaction(["edits", "reads"], "readwrite");
    const seq = done(transaction.objectStore("edits").add({ readId, page, edit }));
    transaction.objectStore("reads").put({ readId, readVersion });
    await committed(transaction);
    return Number(await seq);
  }

  async claim(seqs: number[], page: string): Promise<void> {
    const transaction = this.db.transaction("edits", "readwrite");
    const edits = transaction.objectStore("edits");
    for (const seq of seqs) {
      // Put from the callback: the transaction must still be active (no await in between).
      const request = edits.get(seq);
      request.onsuccess = () => {
        const stored = request.result as StoredEdit | undefined;
        if (stored) edits.put({ ...stored, page });
      };
    }
    await committed(transaction);
  }

  async remove(readId: number, seq: number, readVersion: number): Promise<void> {
    const transaction = this.db.transaction(["edits", "reads"], "readwrite");
    transaction.objectStore("edits").delete(seq);
    transaction.objectStore("reads").put({ readId, readVersion });
    await committed(transaction);
  }

  async rebase(readId: number, readVersion: number): Promise<void> {
    const transaction = this.db.transaction("reads", "readwrite");
    transaction.objectStore("reads").put({ readId, readVersion });
    await committed(transaction);
  }
}

/** Keeps edits only as long as the page lives (IndexedDB refused, or unit tests). */
export class MemoryEditStore implements EditStore {
  private seq = 0;
  private readonly edits: StoredEdit[] = [];
  private readonly versions = new Map<number, number>();

  async load(readId: number): Promise<StoredRead> {
    return { readVersion: this.versions.get(readId) ?? null, edits: this.edits.filter((e) => e.readId === readId) };
  }

  async add(readId: number, page: string, edit: Edit, readVersion: number): Promise<number> {
    this.edits.push({ seq: ++this.seq, readId, page, edit });
    this.versions.set(readId, readVersion);
    return this.seq;
  }

  async claim(seqs: number[], page: string): Promise<void> {
    for (const stored of this.edits) if (seqs.includes(stored.seq)) stored.page = page;
  }

  async remove(readId: number, seq: number, readVersion: number): Promise<void> {
    const index = this.edits.findIndex((e) => e.seq === seq);
    if (index >= 0) this.edits.splice(index, 1);
    this.versions.set(readId, readVersion);
  }

  async rebase(readId: number, readVersion: number): Promise<void> {
    this.versions.set(readId, readVersion);
  }
}

/** IndexedDB when the browser gives it (private windows and some policies refuse), else memory. */
export async function openEditStore(): Promise<{ store: EditStore; persistent: boolean }> {
  try {
    if (typeof indexedDB === "undefined") throw new Error("no IndexedDB");
    return { store: new IdbEditStore(await openDatabase()), persistent: true };
  } catch {
    return { store: new MemoryEditStore(), persistent: false };
  }
}
