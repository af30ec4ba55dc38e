import { describe, expect, it } from "vitest";
import { lodMode, orderForDrawing, screenRing, viewportBBox } from "../src/workspace/lod";
import type { Ring } from "../src/workspace/types";

function circle(n: number, radius: number): Ring {
  const ring: Ring = [];
  for (let i = 0; i < n; i++) ring.push([radius * Math.cos((2 * Math.PI * i) / n), radius * Math.sin((2 * Math.PI * i) / n)]);
  ring.push(ring[0]);
  return ring;
}

describe("level of detail", () => {
  it("draws tiny regions as boxes and skips sub-pixel ones", () => {
    expect(lodMode([0, 0, 100, 100], 0.001)).toBe("skip");
    expect(lodMode([0, 0, 100, 100], 0.02)).toBe("box");
    expect(lodMode([0, 0, 100, 100], 1)).toBe("path");
  });

  it("keeps every vertex when zoomed in", () => {
    const ring = circle(200, 1000);
    expect(screenRing(ring, { scale: 1, offsetX: 0, offsetY: 0 }).length / 2).toBe(201);
  });

  it("drops vertices closer than a screen pixel when zoomed out", () => {
    const ring = circle(200, 1000); // ~31 image px between vertices
    const points = screenRing(ring, { scale: 0.01, offsetX: 0, offsetY: 0 }).length / 2;
    expect(points).toBeLessThan(70);
    expect(points).toBeGreaterThanOrEqual(3);
  });

  it("never collapses a ring below a triangle", () => {
    const ring = circle(200, 10);
    expect(screenRing(ring, { scale: 0.01, offsetX: 0, offsetY: 0 }).length).toBe(6);
  });

  it("maps the screen back to the visible image box", () => {
    expect(viewportBBox({ scale: 0.5, offsetX: -100, offsetY: -50 }, 800, 600)).toEqual([200, 100, 1800, 1300]);
  });
});

describe("drawing order", () => {
  it("draws larger regions first and groups similar sizes by label", () => {
    const regions = [
      { id: 1, area_px: 10, label: "b" },
      { id: 2, area_px: 1000, label: "b" },
      { id: 3, area_px: 1100, label: "a" },
      { id: 4, area_px: 1050, label: "b" },
      { id: 5, area_px: 11, label: "a" },
    ];
    expect(orderForDrawing(regions).map((r) => r.id)).toEqual([3, 4, 2, 5, 1]);
  });
});
