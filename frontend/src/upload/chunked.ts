// Resumable chunked upload: the server's `received` is the truth about where to go on.
//
// After any failure the uploader asks the server how many bytes it holds and resumes
// from there, so a chunk whose answer was lost is simply sent again (the server
// accepts overlapping chunks). Transient failures (network errors, 408, 429, 5xx)
// are retried with exponential backoff; other 4xx answers are final and carry the
// server's reason. The transport is an interface so the logic is tested without a
// browser or a server.

import type { Mosaic, UploadSession } from "../api/types";

/** What the uploader needs of the server's upload session (the API schema's UploadSession). */
export type UploadState = Pick<UploadSession, "id" | "size" | "received" | "status" | "mosaic">;

export interface UploadTransport {
  create(filename: string, size: number): Promise<UploadState>;
  status(id: string): Promise<UploadState>;
  put(id: string, start: number, chunk: Blob, total: number): Promise<UploadState>;
  /** Resolves with the new mosaic. */
  complete(id: string): Promise<Pick<Mosaic, "id">>;
  abort(id: string): Promise<void>;
}

/** A refusal the server will repeat however often we ask (bad file, no right, too large). */
export class PermanentUploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class UploadCancelled extends Error {
  constructor() {
    super("upload cancelled");
  }
}

export interface UploadOptions {
  chunkSize?: number;
  maxRetries?: number;
  /** An upload id from an earlier attempt at the same file: resume it. */
  resumeId?: string | null;
  onSession?: (id: string) => void;
  onProgress?: (received: number, total: number) => void;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
export const DEFAULT_MAX_RETRIES = 8;

/** Half-open byte range [start, end) of the next chunk after `received` bytes. */
export function nextChunk(received: number, size: number, chunkSize: number): [number, number] {
  const start = Math.max(0, Math.min(received, size));
  return [start, Math.min(start + chunkSize, size)];
}

/** Exponential backoff with a cap: 0.5 s, 1 s, 2 s … 30 s. */
export function backoffMs(attempt: number, baseMs = 500, capMs = 30_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export function isTransient(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Upload `file` through `transport`; resolves with the new mosaic's id. */
export async function uploadFile(
  file: Blob & { name: string },
  transport: UploadTransport,
  options: UploadOptions = {},
): Promise<number> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const sleep = options.sleep ?? realSleep;
  const checkCancelled = () => {
    if (options.signal?.aborted) throw new UploadCancelled();
  };

  let failures = 0;
  // Runs `step`, retrying transient failures; permanent ones propagate at once.
  async function withRetries<T>(step: () => Promise<T>): Promise<T> {
    for (;;) {
      checkCancelled();
      try {
        const result = await step();
        failures = 0;
        return result;
      } catch (error) {
        if (error instanceof PermanentUploadError || error instanceof UploadCancelled) throw error;
        failures += 1;
        if (failures > maxRetries) throw error;
        await sleep(backoffMs(failures));
      }
    }
  }

  let state: UploadState | null = null;
  if (options.resumeId) {
    try {
      const previous = await withRetries(() => transport.status(options.resumeId as string));
      if (previous.status === "receiving" && previous.size === file.size) state = previous;
    } catch (error) {
      if (!(error instanceof PermanentUploadError)) throw error; // a gone upload starts afresh
    }
  }
  state ??= await withRetries(() => transport.create(file.name, file.size));
  options.onSession?.(state.id);
  const id = state.id;
  let received = state.received;
  options.onProgress?.(received, file.size);

  while (received < file.size) {
    const [start, end] = nextChunk(received, file.size, chunkSize);
    const chunk = file.slice(start, end);
    received = await withRetries(async () => (await transport.put(id, start, chunk, file.size)).received);
    options.onProgress?.(received, file.size);
    if (received < end) {
      // The server kept less than we sent (a cut connection): ask where to resume.
      received = (await withRetries(() => transport.status(id))).received;
    }
  }
  const mosaic = await withRetries(() => transport.complete(id));
  return mosaic.id;
}
