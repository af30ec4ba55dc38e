// Brush and eraser strokes: the pointer path buffered by the brush radius.
//
// Decision: a stroke is the union of "capsules" (two half circles joined by the
// segment's sides) along a thinned path, computed with polygon-clipping. Thinning
// to steps of a fraction of the radius keeps the union small without visible
// change, so a long stroke stays cheap and far below the server's vertex limit.
import polygonClipping from "polygon-clipping";
import simplify from "simplify-js";
import { fromMulti } from "./geometry";
import type { Geometry, Position, Ring } from "./types";

export function circleRing(cx: number, cy: number, radius: number, segments: number): Ring {
  const ring: Ring = [];
  for (let i = 0; i < segments; i++) {
    const angle = (2 * Math.PI * i) / segments;
    ring.push([cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)]);
  }
  ring.push(ring[0]);
  return ring;
}

/** The convex hull of circles of ``radius`` at ``a`` and ``b``. */
export function capsuleRing(a: Position, b: Position, radius: number, segments: number): Ring {
  const theta = Math.atan2(b[1] - a[1], b[0] - a[0]);
  const half = Math.max(2, Math.ceil(segments / 2));
  const ring: Ring = [];
  // Half circle around b from -90° to +90° of the direction, then around a from +90° to +270°.
  for (let i = 0; i <= half; i++) {
    const angle = theta - Math.PI / 2 + (Math.PI * i) / half;
    ring.push([b[0] + radius * Math.cos(angle), b[1] + radius * Math.sin(angle)]);
  }
  for (let i = 0; i <= half; i++) {
    const angle = theta + Math.PI / 2 + (Math.PI * i) / half;
    ring.push([a[0] + radius * Math.cos(angle), a[1] + radius * Math.sin(angle)]);
  }
  ring.push(ring[0]);
  return ring;
}

/** Points at least ``minStep`` apart (the first and last are always kept). */
export function thinPath(points: Position[], minStep: number): Position[] {
  if (points.length <= 2) return points.slice();
  const kept: Position[] = [points[0]];
  const min2 = minStep * minStep;
  for (let i = 1; i < points.length - 1; i++) {
    const [lx, ly] = kept[kept.length - 1];
    const dx = points[i][0] - lx;
    const dy = points[i][1] - ly;
    if (dx * dx + dy * dy >= min2) kept.push(points[i]);
  }
  kept.push(points[points.length - 1]);
  return kept;
}

/** Segments per full circle for a radius seen at ``screenRadius`` px: round at any zoom, never wasteful. */
export function circleSegments(screenRadius: number): number {
  return Math.max(12, Math.min(48, Math.round(screenRadius / 2)));
}

/** The area swept by a disc of ``radius`` moved along ``path``; null for an empty path. */
export function bufferPath(path: Position[], radius: number, segments = 24): Geometry | null {
  if (path.length === 0 || !(radius > 0)) return null;
  // Keep points along straight runs out, then drop those closer than radius/4.
  const simplified = simplify(
    path.map(([x, y]) => ({ x, y })),
    radius / 8,
    true,
  ).map((p) => [p.x, p.y] as Position);
  const points = thinPath(simplified, radius / 4);
  if (points.length === 1) return fromMulti([[circleRing(points[0][0], points[0][1], radius, segments)]]);
  const capsules = [];
  for (let i = 1; i < points.length; i++) capsules.push([capsuleRing(points[i - 1], points[i], radius, segments)]);
  const [first, ...rest] = capsules;
  return fromMulti(polygonClipping.union(first, ...rest));
}

/** A freehand lasso path, thinned to ``tolerance`` image pixels, as a polygon (null if degenerate). */
export function lassoPolygon(path: Position[], tolerance: number): Geometry | null {
  const points = simplify(
    path.map(([x, y]) => ({ x, y })),
    tolerance,
    true,
  ).map((p) => [p.x, p.y] as Position);
  if (points.length < 3) return null;
  // The lasso may cross itself: a union with itself resolves it into valid parts.
  return fromMulti(polygonClipping.union([[points]]));
}
