import { describe, expect, it } from "vitest";
import { clipToMosaic, formatFraction } from "../src/workspace/coverage";

describe("reading coverage", () => {
  it("clips a viewport box to the mosaic and drops one outside it", () => {
    expect(clipToMosaic([-100, 50, 300, 2000], 1500, 1200)).toEqual([0, 50, 300, 1200]);
    expect(clipToMosaic([1600, 0, 1800, 100], 1500, 1200)).toBeNull();
  });

  it("writes a fraction as a whole percentage", () => {
    expect(formatFraction(0.374)).toBe("37 %");
  });
});
