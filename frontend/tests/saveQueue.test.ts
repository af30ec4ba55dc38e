import { describe, expect, it } from "vitest";
import { ApiError } from "../src/workspace/api";
import { ConflictStop, SaveQueue } from "../src/workspace/saveQueue";

describe("save queue", () => {
  it("runs writes one after another, each with the version the previous produced", async () => {
    const queue = new SaveQueue(3);
    const seen: number[] = [];
    const write = async (version: number) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(version);
      return { result: version, readVersion: version + 1 };
    };
    await Promise.all([queue.enqueue(write), queue.enqueue(write), queue.enqueue(write)]);
    expect(seen).toEqual([3, 4, 5]);
    expect(queue.readVersion).toBe(6);
    expect(queue.state).toBe("saved");
  });

  it("stops for good on a conflict and refuses later writes", async () => {
    const queue = new SaveQueue(1);
    const states: string[] = [];
    queue.onState((state) => states.push(state));
    await expect(
      queue.enqueue(async () => {
        throw new ApiError(409, { detail: "stale read_version", read_version: 4 });
      }),
    ).rejects.toBeInstanceOf(ApiError);
    await expect(queue.enqueue(async (v) => ({ result: v, readVersion: v + 1 }))).rejects.toBeInstanceOf(ConflictStop);
    expect(queue.state).toBe("conflict");
    expect(states.at(-1)).toBe("conflict");
  });

  it("reports an error but keeps saving after bad input", async () => {
    const queue = new SaveQueue(1);
    await expect(
      queue.enqueue(async () => {
        throw new ApiError(400, { geometry: ["ring has fewer than 3 vertices"] });
      }),
    ).rejects.toThrow("geometry: ring has fewer than 3 vertices");
    expect(queue.state).toBe("error");
    await queue.enqueue(async (v) => ({ result: v, readVersion: v + 1 }));
    expect(queue.state).toBe("saved");
  });

  it("shows a held change (a note being typed) as not saved yet", () => {
    const queue = new SaveQueue(1);
    queue.hold();
    expect(queue.state).toBe("saving");
    queue.release();
    expect(queue.state).toBe("saved");
  });
});
