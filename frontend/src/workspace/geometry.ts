// Plain geometry on GeoJSON polygons in image pixels: areas, boxes, hit tests,
// boolean operations (polygon-clipping) and vertex edits.
//
// Decision: every shape is handled as a MultiPolygon internally (one code path),
// converted back to a Polygon when it has a single part, as the server stores it.
import polygonClipping from "polygon-clipping";
import type { BBox, Geometry, MultiPolygonCoords, PolygonCoords, Position, Ring } from "./types";

export function toMulti(geometry: Geometry): MultiPolygonCoords {
  return geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
}

/** A closed copy of ``ring`` (GeoJSON repeats the first position at the end). */
export function closeRing(ring: Ring): Ring {
  if (ring.length === 0) return [];
  const [fx, fy] = ring[0];
  const [lx, ly] = ring[ring.length - 1];
  const copy = ring.map((p) => [p[0], p[1]] as Position);
  if (fx !== lx || fy !== ly) copy.push([fx, fy]);
  return copy;
}

/** The geometry of ``parts`` (null when empty): a Polygon for one part, else a MultiPolygon. */
export function fromMulti(parts: MultiPolygonCoords): Geometry | null {
  const polygons = parts
    .map((polygon) => polygon.map(closeRing).filter((ring) => ring.length >= 4))
    .filter((polygon) => polygon.length > 0);
  if (polygons.length === 0) return null;
  if (polygons.length === 1) return { type: "Polygon", coordinates: polygons[0] };
  return { type: "MultiPolygon", coordinates: polygons };
}

export function geometryBBox(geometry: Geometry): BBox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const polygon of toMulti(geometry)) {
    for (const [x, y] of polygon[0] ?? []) {
      if (x < minX) minX = x;
      if (y < minY) minY = y;
      if (x > maxX) maxX = x;
      if (y > maxY) maxY = y;
    }
  }
  return [minX, minY, maxX, maxY];
}

export function bboxesIntersect(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
}

/** Signed shoelace area (positive when counter-clockwise in x-right/y-up axes). */
export function signedRingArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return sum / 2;
}

export function geometryArea(geometry: Geometry): number {
  let area = 0;
  for (const polygon of toMulti(geometry)) {
    polygon.forEach((ring, index) => {
      const ringArea = Math.abs(signedRingArea(ring));
      area += index === 0 ? ringArea : -ringArea;
    });
  }
  return area;
}

/** Vertices a person drew (closing duplicates not counted). */
export function vertexCount(geometry: Geometry): number {
  let count = 0;
  for (const polygon of toMulti(geometry)) for (const ring of polygon) count += Math.max(0, ring.length - 1);
  return count;
}

function pointInRing(ring: Ring, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether (x, y) lies inside the geometry (inside an exterior ring, outside its holes). */
export function pointInGeometry(geometry: Geometry, x: number, y: number): boolean {
  for (const polygon of toMulti(geometry)) {
    if (polygon.length === 0 || !pointInRing(polygon[0], x, y)) continue;
    if (!polygon.slice(1).some((hole) => pointInRing(hole, x, y))) return true;
  }
  return false;
}

export function union(...geometries: Geometry[]): Geometry | null {
  if (geometries.length === 0) return null;
  const [first, ...rest] = geometries.map(toMulti);
  return fromMulti(polygonClipping.union(first, ...rest));
}

export function difference(subject: Geometry, clip: Geometry): Geometry | null {
  return fromMulti(polygonClipping.difference(toMulti(subject), toMulti(clip)));
}

/** Whether two shapes share any area or boundary point (a cheap box test first). */
export function geometriesTouch(a: Geometry, b: Geometry): boolean {
  if (!bboxesIntersect(geometryBBox(a), geometryBBox(b))) return false;
  // Two shapes touch when their union has fewer parts than the parts of both.
  const parts = toMulti(a).length + toMulti(b).length;
  return polygonClipping.union(toMulti(a), toMulti(b)).length < parts;
}

/**
 * Rings wound one way for exteriors and the other for holes, so that many
 * polygons can be filled in one canvas path with the nonzero rule.
 */
export function orientGeometry(geometry: Geometry): Geometry {
  const oriented = toMulti(geometry).map((polygon) =>
    polygon.map((ring, index) => {
      const positive = signedRingArea(ring) > 0;
      const wantPositive = index === 0;
      return positive === wantPositive ? ring : [...ring].reverse();
    }),
  );
  return geometry.type === "Polygon"
    ? { type: "Polygon", coordinates: oriented[0] }
    : { type: "MultiPolygon", coordinates: oriented };
}

/** Where a vertex lives: part, ring and index within the ring. */
export interface VertexPath {
  polygon: number;
  ring: number;
  index: number;
}

/** The vertex closest to (x, y) within ``maxDistance`` image pixels, or null. */
export function nearestVertex(geometry: Geometry, x: number, y: number, maxDistance: number): VertexPath | null {
  let best: VertexPath | null = null;
  let bestDistance = maxDistance * maxDistance;
  toMulti(geometry).forEach((polygon, p) =>
    polygon.forEach((ring, r) => {
      // The last position repeats the first: skip it.
      for (let i = 0; i < ring.length - 1; i++) {
        const dx = ring[i][0] - x;
        const dy = ring[i][1] - y;
        const distance = dx * dx + dy * dy;
        if (distance <= bestDistance) {
          bestDistance = distance;
          best = { polygon: p, ring: r, index: i };
        }
      }
    }),
  );
  return best;
}

function withRing(geometry: Geometry, path: VertexPath, edit: (ring: Ring) => Ring | null): Geometry | null {
  const parts = toMulti(geometry).map((polygon) => polygon.map((ring) => ring.map((p) => [p[0], p[1]] as Position)));
  const polygon: PolygonCoords = parts[path.polygon];
  const edited = edit(polygon[path.ring].slice(0, -1)); // open ring
  if (edited === null) {
    if (path.ring === 0) parts.splice(path.polygon, 1); // the whole part goes
    else polygon.splice(path.ring, 1); // a hole goes
  } else {
    polygon[path.ring] = closeRing(edited);
  }
  return fromMulti(parts);
}

export function moveVertex(geometry: Geometry, path: VertexPath, x: number, y: number): Geometry {
  const moved = withRing(geometry, path, (ring) => {
    ring[path.index] = [x, y];
    return ring;
  });
  return moved ?? geometry;
}

/**
 * The geometry without the vertex; a ring left with fewer than three vertices
 * disappears (a hole closes, a part goes). Null when nothing would be left.
 */
export function deleteVertex(geometry: Geometry, path: VertexPath): Geometry | null {
  return withRing(geometry, path, (ring) => {
    ring.splice(path.index, 1);
    return ring.length >= 3 ? ring : null;
  });
}

export function polygonFromPoints(points: Position[]): Geometry | null {
  if (points.length < 3) return null;
  return fromMulti([[points]]);
}
