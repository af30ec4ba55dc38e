// Level of detail for drawing thousands of regions: work proportional to what
// the screen can show, not to how many vertices were drawn.
//
// Decision: at any zoom a vertex closer than about one screen pixel to the last
// one drawn adds nothing visible, so it is skipped; a region smaller than a few
// screen pixels is drawn as its box. Both cut the work of a zoomed-out view of
// 5,000 regions x 200 vertices by one to two orders of magnitude.
import type { BBox, Ring } from "./types";

/** image -> screen: screen = image * scale + offset (OpenSeadragon never rotates here). */
export interface ScreenTransform {
  scale: number;
  offsetX: number;
  offsetY: number;
}

export type LodMode = "skip" | "box" | "path";

/** Below this size (screen px) a region is drawn as its box. */
export const BOX_BELOW_PX = 4;
/** Below this size it is not drawn at all (it would not cover one pixel). */
export const SKIP_BELOW_PX = 0.5;

export function lodMode(bbox: BBox, scale: number): LodMode {
  const size = Math.max(bbox[2] - bbox[0], bbox[3] - bbox[1]) * scale;
  if (size < SKIP_BELOW_PX) return "skip";
  if (size < BOX_BELOW_PX) return "box";
  return "path";
}

/**
 * The ring in screen coordinates as a flat [x0, y0, x1, y1, ...] list, keeping only
 * vertices at least ``minPx`` from the previous kept one. At least three
 * vertices stay so that a ring never collapses into a line.
 */
export function screenRing(ring: Ring, t: ScreenTransform, minPx = 1, out: number[] = []): number[] {
  out.length = 0;
  const n = ring.length;
  if (n === 0) return out;
  const min2 = minPx * minPx;
  let lastX = ring[0][0] * t.scale + t.offsetX;
  let lastY = ring[0][1] * t.scale + t.offsetY;
  out.push(lastX, lastY);
  for (let i = 1; i < n; i++) {
    const x = ring[i][0] * t.scale + t.offsetX;
    const y = ring[i][1] * t.scale + t.offsetY;
    const dx = x - lastX;
    const dy = y - lastY;
    if (dx * dx + dy * dy >= min2) {
      out.push(x, y);
      lastX = x;
      lastY = y;
    }
  }
  if (out.length < 6 && n >= 4) {
    // Tiny but visible: keep three spread vertices rather than a line.
    out.length = 0;
    for (const i of [0, Math.floor(n / 3), Math.floor((2 * n) / 3)]) {
      out.push(ring[i][0] * t.scale + t.offsetX, ring[i][1] * t.scale + t.offsetY);
    }
  }
  return out;
}

/** The visible part of the image (image pixels) for a screen of ``width`` x ``height`` px. */
export function viewportBBox(t: ScreenTransform, width: number, height: number): BBox {
  return [-t.offsetX / t.scale, -t.offsetY / t.scale, (width - t.offsetX) / t.scale, (height - t.offsetY) / t.scale];
}

/**
 * Drawing order: largest first (small regions stay visible on top of large ones),
 * but within a factor of two in area the regions are grouped by label, so that a
 * whole group is filled and stroked with one canvas call.
 */
export function orderForDrawing<T extends { area_px: number; label: string; id: number }>(regions: T[]): T[] {
  const sizeClass = (area: number): number => Math.floor(Math.log2(Math.max(area, 1)));
  return regions.sort(
    (a, b) =>
      sizeClass(b.area_px) - sizeClass(a.area_px) ||
      (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) ||
      b.area_px - a.area_px ||
      a.id - b.id,
  );
}
