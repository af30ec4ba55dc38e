import { describe, expect, it } from "vitest";
import { bufferPath, capsuleRing, lassoPolygon, thinPath } from "../src/workspace/brush";
import { geometryArea, geometryBBox, pointInGeometry, vertexCount } from "../src/workspace/geometry";
import type { Position } from "../src/workspace/types";

describe("brush buffer", () => {
  it("a click is a disc of the brush radius", () => {
    const disc = bufferPath([[100, 100]], 10, 64)!;
    expect(geometryArea(disc)).toBeCloseTo(Math.PI * 100, -1);
    expect(geometryBBox(disc)[0]).toBeCloseTo(90);
  });

  it("a straight stroke is a capsule: rectangle plus two half discs", () => {
    const stroke = bufferPath([[0, 0], [50, 0], [100, 0]], 10, 64)!;
    expect(stroke.type).toBe("Polygon");
    expect(geometryArea(stroke)).toBeCloseTo(100 * 20 + Math.PI * 100, -1);
    expect(pointInGeometry(stroke, 50, 9)).toBe(true);
    expect(pointInGeometry(stroke, 50, 11)).toBe(false);
  });

  it("a stroke that loops back on itself has no gaps and stays a simple shape", () => {
    const path: Position[] = [];
    for (let i = 0; i <= 200; i++) {
      const angle = (i / 200) * 2 * Math.PI;
      path.push([200 + 100 * Math.cos(angle), 200 + 100 * Math.sin(angle)]);
    }
    const ring = bufferPath(path, 10, 24)!;
    // An annulus: a hole in the middle, the stroke's own track covered.
    expect(ring.coordinates.length).toBe(2);
    expect(pointInGeometry(ring, 300, 200)).toBe(true);
    expect(pointInGeometry(ring, 200, 200)).toBe(false);
  });

  it("a long dense stroke stays far below the server's vertex limit", () => {
    const path: Position[] = [];
    for (let i = 0; i < 5000; i++) path.push([i * 0.5, 50 * Math.sin(i / 100)]);
    const stroke = bufferPath(path, 20, 24)!;
    expect(vertexCount(stroke)).toBeLessThan(5000);
  });

  it("capsules are closed rings", () => {
    const ring = capsuleRing([0, 0], [10, 0], 2, 16);
    expect(ring[0]).toEqual(ring.at(-1));
  });

  it("thinning keeps both ends", () => {
    const thinned = thinPath([[0, 0], [0.1, 0], [0.2, 0], [5, 0], [5.1, 0]], 1);
    expect(thinned).toEqual([[0, 0], [5, 0], [5.1, 0]]);
  });
});

describe("lasso", () => {
  it("closes a freehand path into a polygon", () => {
    const path: Position[] = [[0, 0], [50, 0], [100, 0], [100, 100], [0, 100]];
    expect(geometryArea(lassoPolygon(path, 1)!)).toBeCloseTo(10_000);
  });
  it("a figure-eight becomes two valid parts", () => {
    const eight = lassoPolygon([[0, 0], [100, 100], [100, 0], [0, 100]], 0.5)!;
    expect(eight.type).toBe("MultiPolygon");
    expect(geometryArea(eight)).toBeCloseTo(5000);
  });
  it("a path too short to enclose anything is no polygon", () => {
    expect(lassoPolygon([[0, 0], [10, 10]], 1)).toBeNull();
  });
});
