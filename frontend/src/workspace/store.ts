// The regions of one layer, by id, with an R-tree over their boxes (rbush) so
// that drawing and hit-testing touch only what is near, whatever the count.
import RBush from "rbush";
import { geometryArea, geometryBBox, orientGeometry, pointInGeometry } from "./geometry";
import type { BBox, Region } from "./types";

interface Entry {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  region: Region;
}

/**
 * Fill in what the renderer relies on (box, area, ring orientation) whatever the source.
 * An outline keeps the server's box and area (its full geometry's): the region is found,
 * hit and ordered where it really is, and upgrading it to full detail does not move it.
 */
export function prepareRegion(region: Region): Region {
  const geometry = orientGeometry(region.geometry);
  const bbox = region.detail === "outline" ? region.bbox : geometryBBox(geometry);
  return { ...region, geometry, bbox, area_px: region.area_px ?? geometryArea(geometry) };
}

export class RegionStore {
  private readonly entries = new Map<number, Entry>();
  private readonly tree = new RBush<Entry>(16);
  private readonly listeners = new Set<() => void>();
  /** Bumped on every change: lets a renderer know its cache is stale. */
  revision = 0;

  get size(): number {
    return this.entries.size;
  }

  get(id: number): Region | undefined {
    return this.entries.get(id)?.region;
  }

  all(): Region[] {
    return [...this.entries.values()].map((entry) => entry.region);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.revision++;
    for (const listener of this.listeners) listener();
  }

  private entryFor(region: Region): Entry {
    const prepared = prepareRegion(region);
    const [minX, minY, maxX, maxY] = prepared.bbox;
    return { minX, minY, maxX, maxY, region: prepared };
  }

  /** Replace everything (bulk-loaded: faster to build and to query). */
  load(regions: Region[]): void {
    this.entries.clear();
    this.tree.clear();
    const entries = regions.map((region) => this.entryFor(region));
    for (const entry of entries) this.entries.set(entry.region.id, entry);
    this.tree.load(entries);
    this.changed();
  }

  upsert(...regions: Region[]): void {
    for (const region of regions) {
      const old = this.entries.get(region.id);
      if (old) this.tree.remove(old);
      const entry = this.entryFor(region);
      this.entries.set(region.id, entry);
      this.tree.insert(entry);
    }
    if (regions.length) this.changed();
  }

  /**
   * Swap in the full geometry of regions held as outlines (already prepared) without
   * announcing a change: where an outline and its region look the same on screen the
   * drawn batches stay valid, and whatever is rebuilt next (a new zoom level, a pan
   * out of the cached area) uses the full geometry. The caller calls ``touch`` when
   * the difference could be seen (detailStream's caller decides by on-screen size).
   */
  refine(regions: Region[]): void {
    for (const region of regions) {
      const entry = this.entries.get(region.id);
      if (!entry) continue;
      const [minX, minY, maxX, maxY] = region.bbox;
      if (entry.minX === minX && entry.minY === minY && entry.maxX === maxX && entry.maxY === maxY) {
        entry.region = region; // same box: the tree is unchanged
      } else {
        this.tree.remove(entry);
        const moved = { minX, minY, maxX, maxY, region };
        this.entries.set(region.id, moved);
        this.tree.insert(moved);
      }
    }
  }

  /** Announce a change made without one (``refine``): caches are rebuilt, listeners told. */
  touch(): void {
    this.changed();
  }

  remove(...ids: number[]): void {
    let removed = false;
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      this.tree.remove(entry);
      this.entries.delete(id);
      removed = true;
    }
    if (removed) this.changed();
  }

  /** Whether any region whose box meets ``bbox`` is still an outline (the detail stream skips areas with none). */
  hasOutlines(bbox: BBox): boolean {
    return this.searchUnordered(bbox).some((region) => region.detail === "outline");
  }

  /** Regions whose box meets ``bbox``, largest first (the order they are drawn in). */
  search(bbox: BBox): Region[] {
    return this.searchUnordered(bbox).sort((a, b) => b.area_px - a.area_px || a.id - b.id);
  }

  /** Regions whose box meets ``bbox``, in no particular order (the renderer sorts its own way). */
  searchUnordered(bbox: BBox): Region[] {
    return this.tree.search({ minX: bbox[0], minY: bbox[1], maxX: bbox[2], maxY: bbox[3] }).map((e) => e.region);
  }

  /** The smallest region containing (x, y): the one a click means when regions overlap. */
  hitTest(x: number, y: number): Region | null {
    let best: Region | null = null;
    for (const entry of this.tree.search({ minX: x, minY: y, maxX: x, maxY: y })) {
      if (best && entry.region.area_px >= best.area_px) continue;
      if (pointInGeometry(entry.region.geometry, x, y)) best = entry.region;
    }
    return best;
  }
}
