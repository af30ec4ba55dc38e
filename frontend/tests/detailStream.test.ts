// The order in which full detail streams in: what is on screen first, then nearest.
import { describe, expect, it } from "vitest";
import { DetailStream, intersects, nextCell, planCells, visiblyRefined, type DetailSource } from "../src/workspace/detailStream";
import type { BBox, Region } from "../src/workspace/types";

function region(id: number, bbox: BBox): Region {
  const [x0, y0, x1, y1] = bbox;
  const geometry = { type: "Polygon" as const, coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]] as [number, number][]] };
  return { id, read: 1, label: "clefting", geometry, provenance: "manual", version: 1, area_px: (x1 - x0) * (y1 - y0), bbox, detail: "outline" };
}

/** A read of one small region in the middle of every 100 px square of a 1,000² mosaic. */
class World implements DetailSource {
  outlines = new Map<number, Region>();
  fetched: BBox[] = [];
  viewBox: BBox = [0, 0, 1000, 1000];
  onFetch: (bbox: BBox) => void = () => {};

  constructor() {
    let id = 1;
    for (let y = 0; y < 1000; y += 100) for (let x = 0; x < 1000; x += 100) this.outlines.set(id, region(id++, [x + 40, y + 40, x + 60, y + 60]));
  }

  async fetch(bbox: BBox): Promise<Region[]> {
    this.fetched.push(bbox);
    this.onFetch(bbox);
    await Promise.resolve();
    return [...this.outlines.values()].filter((r) => intersects(r.bbox, bbox)).map((r) => ({ ...r, detail: undefined }));
  }

  apply(regions: Region[]): void {
    for (const r of regions) this.outlines.delete(r.id);
  }

  needs(bbox: BBox): boolean {
    return [...this.outlines.values()].some((r) => intersects(r.bbox, bbox));
  }

  view(): BBox {
    return this.viewBox;
  }
}

describe("streaming full detail", () => {
  it("cuts the mosaic into about 600 regions a box", () => {
    expect(planCells(1000, 1000, 100)).toEqual([[0, 0, 1000, 1000]]);
    expect(planCells(1000, 1000, 5000)).toHaveLength(9);
    expect(planCells(12000, 12000, 1_000_000)).toHaveLength(64); // at most 8 x 8 requests
  });

  it("picks a box on screen before any box off screen, nearest the view's centre first", () => {
    const cells = planCells(900, 900, 5000); // 3 x 3 boxes of 300 px
    expect(nextCell(cells, [610, 610, 700, 700])).toBe(8); // bottom right
    expect(nextCell(cells, [250, 250, 650, 650])).toBe(4); // straddling the centre: the middle one
    // Off every box (panned past the edge): the nearest.
    expect(nextCell(cells, [950, -200, 1000, -100])).toBe(2);
  });

  it("fetches the view first when zoomed in, then every box, nearest first, and skips boxes with no outline left", async () => {
    const world = new World();
    world.viewBox = [800, 800, 900, 900]; // zoomed into the bottom right corner
    const stream = new DetailStream(planCells(1000, 1000, 5000), world);
    await stream.run();
    expect(world.fetched[0]).toEqual([800, 800, 900, 900]);
    // The bottom right box (the view's) before the boxes far from it; the top left one last.
    const boxes = world.fetched.slice(1);
    expect(boxes[0]).toEqual([2000 / 3, 2000 / 3, 1000, 1000]);
    expect(boxes[boxes.length - 1]).toEqual([0, 0, 1000 / 3, 1000 / 3]);
    expect(world.outlines.size).toBe(0);
    expect(stream.failures).toBe(0);
  });

  it("follows the reader: a pan mid-stream moves the next request to the new view", async () => {
    const world = new World();
    world.viewBox = [0, 0, 100, 100];
    world.onFetch = () => {
      if (world.fetched.length === 3) world.viewBox = [900, 0, 1000, 100]; // panned to the top right corner
    };
    const stream = new DetailStream(planCells(1000, 1000, 5000), world);
    await stream.run();
    // Requests already sent when the view moved stay; the next one chosen is the top right box.
    expect(world.fetched[3]).toEqual([2000 / 3, 0, 1000, 1000 / 3]);
    expect(world.outlines.size).toBe(0);
  });

  it("a box that fails is counted; the others still stream", async () => {
    const world = new World();
    const fetch = world.fetch.bind(world);
    let calls = 0;
    world.fetch = async (bbox) => (calls++ === 0 ? Promise.reject(new Error("offline")) : fetch(bbox));
    const stream = new DetailStream(planCells(1000, 1000, 5000), world);
    await stream.run();
    expect(stream.failures).toBe(1);
    expect(world.outlines.size).toBeGreaterThan(0);
    expect(world.outlines.size).toBeLessThan(100);
  });
});

describe("redrawing for refined regions", () => {
  const small = region(1, [100, 100, 160, 160]); // 60 px across

  it("redraws only when a refined region is on screen and drawn large enough to look different", () => {
    expect(visiblyRefined([small], [0, 0, 1000, 1000], 0.1)).toBe(false); // 6 px on screen: outline = region
    expect(visiblyRefined([small], [0, 0, 1000, 1000], 1)).toBe(true); // 60 px on screen
    expect(visiblyRefined([small], [500, 500, 900, 900], 1)).toBe(false); // off screen
    expect(visiblyRefined([], [0, 0, 1000, 1000], 1)).toBe(false);
  });
});
