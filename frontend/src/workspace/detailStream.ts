// Full detail for a read opened with outlines, streamed in the order the reader needs it.
//
// Decision (issue 13): a large read opens with every region's stored low-resolution
// outline (one small request, `outline=true`), which is all the opening view can
// show; the full geometry then arrives in a few viewport-box requests (`bbox=`),
// the area on screen first, then the rest nearest the view first, re-ordered as
// the reader pans. Each answer replaces outlines by full regions (Editor.upgrade).
// A box whose regions are all full already is skipped, so a region is rarely
// fetched twice (only one that straddles two boxes both fetched at once). Small
// reads skip all this: their full geometry is fetched before the first paint.
import type { BBox, Region } from "./types";

/** Below this many vertices in the whole read, full detail is loaded before the first paint. */
export const STREAM_ABOVE_VERTICES = 20_000;
/** About how many regions one request brings (a few MB of GeoJSON at 200 vertices). */
export const REGIONS_PER_CELL = 600;
const MAX_CELLS_PER_SIDE = 8;
/**
 * Requests in flight at once: answers arrive while earlier ones wait for the page's main thread to parse
 * them. Measured (benchmarks/README.md, "Workspace"): 4 brought a 5,000-region read's full detail in
 * 3.1 s where 2 took 3.9 s; smaller boxes (25 instead of 9) were slower (4.2 s).
 */
export const MAX_IN_FLIGHT = 4;

/** The mosaic cut into a grid of boxes of about ``REGIONS_PER_CELL`` regions each (row by row). */
export function planCells(width: number, height: number, regionCount: number): BBox[] {
  const side = Math.max(1, Math.min(MAX_CELLS_PER_SIDE, Math.ceil(Math.sqrt(regionCount / REGIONS_PER_CELL))));
  const cells: BBox[] = [];
  for (let row = 0; row < side; row++) {
    for (let column = 0; column < side; column++) {
      cells.push([(column * width) / side, (row * height) / side, ((column + 1) * width) / side, ((row + 1) * height) / side]);
    }
  }
  return cells;
}

export function intersects(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

function centreDistance2(a: BBox, b: BBox): number {
  const dx = (a[0] + a[2] - b[0] - b[2]) / 2;
  const dy = (a[1] + a[3] - b[1] - b[3]) / 2;
  return dx * dx + dy * dy;
}

function area(box: BBox): number {
  return Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]);
}

/**
 * Screen size (device px) above which a region's outline may look different from the
 * region: the outline's tolerance is 1/64 of the region's size (annotations/geometry/
 * outline.py), half a pixel at 32 px.
 */
export const OUTLINE_EXACT_BELOW_PX = 32;

/**
 * Whether replacing these outlines by full regions changes what is on screen at
 * ``scale`` (device px per image px): one of them is in view and drawn large
 * enough. If not, the stream refines the store without a redraw (a redraw of
 * 5,000 regions per streamed box is what made streaming slow).
 */
export function visiblyRefined(regions: Region[], view: BBox, scale: number): boolean {
  return regions.some(
    (r) => intersects(r.bbox, view) && Math.max(r.bbox[2] - r.bbox[0], r.bbox[3] - r.bbox[1]) * scale >= OUTLINE_EXACT_BELOW_PX,
  );
}

/** Index of the box to fetch next: one on screen before one off screen, then nearest the view's centre. */
export function nextCell(cells: BBox[], view: BBox): number {
  let best = -1;
  let bestKey: [number, number] = [Infinity, Infinity];
  cells.forEach((cell, index) => {
    const key: [number, number] = [intersects(cell, view) ? 0 : 1, centreDistance2(cell, view)];
    if (key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) {
      best = index;
      bestKey = key;
    }
  });
  return best;
}

export interface DetailSource {
  /** The full regions whose boxes meet ``bbox`` (GET …/regions/?bbox=). */
  fetch(bbox: BBox): Promise<Region[]>;
  /** Put full regions in place of their outlines. */
  apply(regions: Region[]): void;
  /** Whether any region meeting ``bbox`` is still an outline. */
  needs(bbox: BBox): boolean;
  /** The part of the mosaic on screen now (image pixels). */
  view(): BBox;
}

export class DetailStream {
  private readonly pending: BBox[];
  /** Boxes requested, in order, with when each was sent, answered and applied (tests, the benchmark's log). */
  readonly requested: { box: BBox; sent: number; answered: number; applied: number; regions: number }[] = [];
  failures = 0;

  constructor(
    cells: BBox[],
    private readonly source: DetailSource,
  ) {
    this.pending = [...cells];
  }

  /** Fetch until no outline is left in any box; resolves when done (failures are counted, not thrown). */
  async run(): Promise<void> {
    const view = this.source.view();
    // Zoomed in: the view itself first, one small request for exactly what is on screen.
    const cellArea = this.pending.length ? area(this.pending[0]) : 0;
    if (area(view) < cellArea && this.source.needs(view)) await this.fetch(view);
    await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    while (this.pending.length) {
      const [cell] = this.pending.splice(nextCell(this.pending, this.source.view()), 1);
      if (this.source.needs(cell)) await this.fetch(cell);
    }
  }

  private async fetch(box: BBox): Promise<void> {
    const entry = { box, sent: performance.now(), answered: 0, applied: 0, regions: 0 };
    this.requested.push(entry);
    try {
      const regions = await this.source.fetch(box);
      entry.answered = performance.now();
      this.source.apply(regions);
      entry.applied = performance.now();
      entry.regions = regions.length;
    } catch (error) {
      // Outlines left behind stay drawable, and the editor fetches a region's full
      // geometry itself before any edit (Editor.ensureFull).
      this.failures++;
      console.warn("full detail of", box, "could not be loaded:", error);
    }
  }
}
