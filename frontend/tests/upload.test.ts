import { describe, expect, it } from "vitest";
import {
  PermanentUploadError,
  backoffMs,
  nextChunk,
  uploadFile,
  type UploadState,
  type UploadTransport,
} from "../src/upload/chunked";
import { describeStatus, formatBytes, resumeKey } from "../src/upload/status";

// An in-memory server with the API's rules: chunks may overlap what it holds, never leave a gap.
class FakeServer implements UploadTransport {
  bytes = new Uint8Array(0);
  received = 0;
  size = 0;
  status_: UploadState["status"] = "receiving";
  puts = 0;
  // Hooks to break things: return true to make that call fail after (or before) it took effect.
  dropAnswerOfPut: (n: number) => boolean = () => false;
  failPutBefore: (n: number) => boolean = () => false;
  refuseComplete: string | null = null;

  async create(_filename: string, size: number): Promise<UploadState> {
    this.size = size;
    this.bytes = new Uint8Array(size);
    return this.state();
  }
  async status(): Promise<UploadState> {
    return this.state();
  }
  async put(_id: string, start: number, chunk: Blob): Promise<UploadState> {
    this.puts += 1;
    if (this.failPutBefore(this.puts)) throw new TypeError("network error");
    if (start > this.received) throw new PermanentUploadError("offset: gap", 400);
    const data = new Uint8Array(await chunk.arrayBuffer());
    this.bytes.set(data, start);
    this.received = Math.max(this.received, start + data.length);
    if (this.dropAnswerOfPut(this.puts)) throw new TypeError("connection reset");
    return this.state();
  }
  async complete(): Promise<{ id: number }> {
    if (this.refuseComplete) throw new PermanentUploadError(this.refuseComplete, 400);
    if (this.received !== this.size) throw new PermanentUploadError("not all bytes", 400);
    this.status_ = "complete";
    return { id: 42 };
  }
  async abort(): Promise<void> {}
  private state(): UploadState {
    return { id: "u1", size: this.size, received: this.received, status: this.status_, mosaic: null };
  }
}

function fileOf(size: number): Blob & { name: string } {
  const data = new Uint8Array(size).map((_, i) => (i * 31 + 7) % 251);
  return Object.assign(new Blob([data]), { name: "mosaic.tif" });
}

async function sameBytes(a: Uint8Array, file: Blob): Promise<boolean> {
  const b = new Uint8Array(await file.arrayBuffer());
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

const noSleep = async () => {};

describe("nextChunk", () => {
  it("starts at the bytes received and stops at the end of the file", () => {
    expect(nextChunk(0, 10, 4)).toEqual([0, 4]);
    expect(nextChunk(8, 10, 4)).toEqual([8, 10]);
  });
});

describe("backoffMs", () => {
  it("doubles from half a second and is capped", () => {
    expect([1, 2, 3].map((n) => backoffMs(n))).toEqual([500, 1000, 2000]);
    expect(backoffMs(20)).toBe(30_000);
  });
});

describe("uploadFile", () => {
  it("sends every byte in chunks and returns the mosaic", async () => {
    const server = new FakeServer();
    const file = fileOf(10_000);
    const progress: number[] = [];
    const id = await uploadFile(file, server, { chunkSize: 3000, sleep: noSleep, onProgress: (r) => progress.push(r) });
    expect(id).toBe(42);
    expect(await sameBytes(server.bytes, file)).toBe(true);
    expect(progress).toEqual([0, 3000, 6000, 9000, 10_000]);
  });

  it("re-sends a chunk whose answer was lost; the server takes the overlap", async () => {
    const server = new FakeServer();
    server.dropAnswerOfPut = (n) => n === 2; // the server kept chunk 2, the client never heard
    const file = fileOf(10_000);
    const sleeps: number[] = [];
    await uploadFile(file, server, { chunkSize: 3000, sleep: async (ms) => void sleeps.push(ms) });
    expect(await sameBytes(server.bytes, file)).toBe(true);
    expect(sleeps).toEqual([500]);
  });

  it("survives a run of network failures with growing waits", async () => {
    const server = new FakeServer();
    server.failPutBefore = (n) => n >= 2 && n <= 4;
    const sleeps: number[] = [];
    await uploadFile(fileOf(7000), server, { chunkSize: 3000, sleep: async (ms) => void sleeps.push(ms) });
    expect(sleeps).toEqual([500, 1000, 2000]);
    expect(server.received).toBe(7000);
  });

  it("gives up after the allowed retries", async () => {
    const server = new FakeServer();
    server.failPutBefore = () => true;
    await expect(uploadFile(fileOf(5000), server, { maxRetries: 3, sleep: noSleep })).rejects.toThrow("network error");
    expect(server.puts).toBe(4);
  });

  it("does not retry a refusal and passes the server's reason on", async () => {
    const server = new FakeServer();
    server.refuseComplete = "file: the image declares 100000 x 100000 pixels";
    await expect(uploadFile(fileOf(100), server, { sleep: noSleep })).rejects.toThrow("100000 x 100000");
  });

  it("resumes an earlier session from the bytes the server already has", async () => {
    const server = new FakeServer();
    const file = fileOf(9000);
    await server.create("mosaic.tif", 9000);
    server.bytes.set(new Uint8Array(await file.slice(0, 6000).arrayBuffer()), 0);
    server.received = 6000;
    await uploadFile(file, server, { resumeId: "u1", chunkSize: 4000, sleep: noSleep });
    expect(server.puts).toBe(1);
    expect(await sameBytes(server.bytes, file)).toBe(true);
  });

  it("stops when cancelled", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(uploadFile(fileOf(100), new FakeServer(), { signal: controller.signal })).rejects.toThrow("cancelled");
  });
});

describe("status helpers", () => {
  it("describes each ingest state", () => {
    const base = { id: 1, progress: 45, failure_reason: "", width: null, height: null };
    expect(describeStatus({ ...base, status: "processing" })).toBe("Processing 45%");
    expect(describeStatus({ ...base, status: "failed", failure_reason: "truncated" })).toBe("Failed: truncated");
  });
  it("formats bytes and keys resumable uploads by file identity", () => {
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MB");
    expect(resumeKey(3, { name: "a.tif", size: 10, lastModified: 5 })).toBe("rcm-upload:3:a.tif:10:5");
  });
});
