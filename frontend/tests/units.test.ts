import { describe, expect, it } from "vitest";
import { formatArea } from "../src/lib/units";

describe("formatArea", () => {
  it("converts square pixels to square millimetres at the mosaic's pixel size", () => {
    // 2000 x 2000 px at 0.5 µm/px is 1 mm x 1 mm
    expect(formatArea(4_000_000, 0.5)).toBe("1.000 mm²");
  });
  it("shows small areas in µm²", () => {
    expect(formatArea(400, 0.5)).toBe("100 µm²");
  });
});
