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

  it("finds exactly the regions whose boxes meet a viewport among 5,000", () => {
    // Behaviour, not timing (timings live in benchmarks/): the index answers like a full scan.
    const store = new RegionStore();
    const regions: Region[] = [];
    for (let i = 0; i < 5000; i++) regions.push(squareRegion(i + 1, (i % 100) * 120, Math.floor(i / 100) * 120, 100));
    store.load(regions);
    for (const box of [[0, 0, 1000, 1000], [5030, 2410, 7777, 3001], [11900, 5900, 20000, 9000]] as const) {
      const scanned = regions
        .filter((r) => r.bbox[0] <= box[2] && r.bbox[2] >= box[0] && r.bbox[1] <= box[3] && r.bbox[3] >= box[1])
        .map((r) => r.id)
        .sort((a, b) => a - b);
      const found = store.search([...box]).map((r) => r.id).sort((a, b) => a - b);
      expect(found).toEqual(scanned);
      expect(found.length).toBeGreaterThan(0);
    }
  });
});

describe("refining outlines in place", () => {
  it("swaps regions without a change event, re-indexes one whose box moved, and touch announces it", () => {
    const store = new RegionStore();
    store.load([{ ...squareRegion(1, 0, 0, 10), detail: "outline" }, { ...squareRegion(2, 50, 50, 10), detail: "outline" }]);
    let events = 0;
    store.onChange(() => events++);
    const revision = store.revision;
    store.refine([squareRegion(1, 0, 0, 10), squareRegion(2, 200, 200, 10)]);
    expect(store.revision).toBe(revision);
    expect(events).toBe(0);
    expect(store.get(1)!.detail).toBeUndefined();
    expect(store.search([195, 195, 215, 215]).map((r) => r.id)).toEqual([2]);
    expect(store.search([45, 45, 65, 65])).toEqual([]);
    expect(store.hasOutlines([0, 0, 1000, 1000])).toBe(false);
    store.touch();
    expect(events).toBe(1);
    expect(store.revision).toBe(revision + 1);
  });
});
