import { describe, expect, it } from "vitest";
import { oncePerFrame } from "../src/workspace/frame";

describe("oncePerFrame", () => {
  it("draws once for any number of requests before the frame, and again for a request after it", () => {
    const frames: (() => void)[] = [];
    let draws = 0;
    const request = oncePerFrame(() => draws++, (callback) => frames.push(callback));
    request();
    request();
    request();
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(draws).toBe(1);
    request();
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(draws).toBe(2);
  });
});
