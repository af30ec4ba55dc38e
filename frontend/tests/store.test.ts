import { describe, expect, it } from "vitest";
import { RegionStore } from "../src/workspace/store";
import type { Region } from "../src/workspace/types";

function squareRegion(id: number, x: number, y: number, size: number): Region {
  return {
    id,
    read: 1,
    label: "clefting",
    provenance: "manual",
    version: 1,
    area_px: size * size,
    bbox: [x, y, x + size, y + size],
    geometry: { type: "Polygon", coordinates: [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]] },
  };
}

describe("region store", () => {
  it("finds only the regions in a box, largest first", () => {
    const store = new RegionStore();
    store.load([squareRegion(1, 0, 0, 10), squareRegion(2, 5, 5, 100), squareRegion(3, 1000, 1000, 10)]);
    expect(store.search([0, 0, 20, 20]).map((r) => r.id)).toEqual([2, 1]);
  });

  it("a click picks the smallest region under the pointer", () => {
    const store = new RegionStore();
    store.load([squareRegion(1, 0, 0, 100), squareRegion(2, 10, 10, 5)]);
    expect(store.hitTest(12, 12)?.id).toBe(2);
    expect(store.hitTest(50, 50)?.id).toBe(1);
    expect(store.hitTest(500, 500)).toBeNull();
  });

  it("moves a region in the index when its geometry changes", () => {
    const store = new RegionStore();
    store.load([squareRegion(1, 0, 0, 10)]);
    store.upsert(squareRegion(1, 500, 500, 10));
    expect(store.search([0, 0, 20, 20])).toEqual([]);
    expect(store.hitTest(505, 505)?.id).toBe(1);
    store.remove(1);
    expect(store.size).toBe(0);
    expect(store.hitTest(505, 505)).toBeNull();
  });

  it("stays quick to query with 5,000 regions", () => {
    const store = new RegionStore();
    const regions: Region[] = [];
    for (let i = 0; i < 5000; i++) regions.push(squareRegion(i + 1, (i % 100) * 120, Math.floor(i / 100) * 120, 100));
    store.load(regions);
    expect(store.search([0, 0, 1000, 1000]).length).toBe(81);
  });
});
