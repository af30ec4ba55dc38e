import { describe, expect, it } from "vitest";
import {
  deleteVertex,
  difference,
  geometriesTouch,
  geometryArea,
  geometryBBox,
  moveVertex,
  nearestVertex,
  orientGeometry,
  pointInGeometry,
  signedRingArea,
  union,
  vertexCount,
} from "../src/workspace/geometry";
import type { Geometry } from "../src/workspace/types";

function square(x: number, y: number, size: number): Geometry {
  return {
    type: "Polygon",
    coordinates: [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
  };
}

const donut: Geometry = {
  type: "Polygon",
  coordinates: [
    [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
    [[3, 3], [7, 3], [7, 7], [3, 7], [3, 3]],
  ],
};

describe("areas and boxes", () => {
  it("subtracts holes from the area", () => {
    expect(geometryArea(donut)).toBe(100 - 16);
  });
  it("bounds a multipolygon by all its parts", () => {
    const shape = union(square(0, 0, 2), square(10, 20, 5))!;
    expect(shape.type).toBe("MultiPolygon");
    expect(geometryBBox(shape)).toEqual([0, 0, 15, 25]);
  });
  it("counts vertices without the closing repeat", () => {
    expect(vertexCount(donut)).toBe(8);
  });
});

describe("hit tests", () => {
  it("is inside the ring and outside its hole", () => {
    expect(pointInGeometry(donut, 1, 1)).toBe(true);
    expect(pointInGeometry(donut, 5, 5)).toBe(false);
    expect(pointInGeometry(donut, 11, 5)).toBe(false);
  });
});

describe("boolean operations", () => {
  it("merges overlapping squares into one polygon of their combined area", () => {
    const merged = union(square(0, 0, 10), square(5, 0, 10))!;
    expect(merged.type).toBe("Polygon");
    expect(geometryArea(merged)).toBeCloseTo(150);
  });
  it("erasing the middle of a square leaves a hole", () => {
    const erased = difference(square(0, 0, 10), square(3, 3, 4))!;
    expect(erased.type).toBe("Polygon");
    expect(erased.coordinates).toHaveLength(2);
    expect(geometryArea(erased)).toBeCloseTo(84);
  });
  it("erasing everything leaves nothing", () => {
    expect(difference(square(2, 2, 2), square(0, 0, 10))).toBeNull();
  });
  it("tells touching shapes from separate ones", () => {
    expect(geometriesTouch(square(0, 0, 10), square(9, 9, 5))).toBe(true);
    expect(geometriesTouch(square(0, 0, 10), square(20, 0, 5))).toBe(false);
  });
});

describe("orientation for canvas filling", () => {
  it("winds holes opposite to their exterior", () => {
    const oriented = orientGeometry(donut);
    const [outer, hole] = oriented.coordinates as number[][][];
    const outerSign = Math.sign(signedRingArea(outer as [number, number][]));
    const holeSign = Math.sign(signedRingArea(hole as [number, number][]));
    expect(outerSign).toBe(1);
    expect(holeSign).toBe(-1);
  });
});

describe("vertex edits", () => {
  it("finds the nearest vertex within reach only", () => {
    expect(nearestVertex(donut, 9.5, 0.2, 1)).toEqual({ polygon: 0, ring: 0, index: 1 });
    expect(nearestVertex(donut, 5, 5, 1)).toBeNull();
  });
  it("moving the first vertex keeps the ring closed", () => {
    const moved = moveVertex(square(0, 0, 10), { polygon: 0, ring: 0, index: 0 }, -5, -5);
    const ring = (moved.coordinates as number[][][])[0];
    expect(ring[0]).toEqual([-5, -5]);
    expect(ring.at(-1)).toEqual([-5, -5]);
  });
  it("deleting a vertex of a hole with three vertices removes the hole", () => {
    const triangleHole: Geometry = {
      type: "Polygon",
      coordinates: [donut.coordinates[0] as [number, number][], [[3, 3], [7, 3], [5, 7], [3, 3]]],
    };
    const edited = deleteVertex(triangleHole, { polygon: 0, ring: 1, index: 0 })!;
    expect(edited.coordinates).toHaveLength(1);
  });
  it("deleting a vertex of a triangle leaves nothing", () => {
    const triangle: Geometry = { type: "Polygon", coordinates: [[[0, 0], [4, 0], [0, 4], [0, 0]]] };
    expect(deleteVertex(triangle, { polygon: 0, ring: 0, index: 2 })).toBeNull();
  });
});
