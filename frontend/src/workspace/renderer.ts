// One <canvas> over OpenSeadragon on which every region layer is drawn.
//
// Decision: a single 2D canvas, redrawn in OpenSeadragon's own animation frame
// ('update-viewport' / 'animation') so the outlines never lag the image; only
// regions whose box meets the viewport are drawn (R-tree), with level of detail
// (lod.ts), and regions of one label and similar size share one fill and one
// stroke call. SVG or one DOM node per region is what makes other viewers freeze
// past a few hundred shapes.
//
// Reviewed against Annotorious v3's WebGL layer (issue 13; PixiJS, built for
// ~100,000 shapes): it tessellates each shape once into GPU buffers in image
// coordinates and, per frame, only moves and scales one container, so a frame costs
// no CPU per shape — but it draws every shape every frame (no culling, no level of
// detail), re-tessellates every stroke wider than one pixel on each zoom change,
// and loads all shapes before drawing any. Here the frame cost was already small
// (a pan frame is one image copy of a snapshot; benchmarks/README.md, "Workspace"):
// what kept a 5,000-region read from showing was loading 22 MB of full geometry
// first. So the layer stays a 2D canvas, and the read opens with stored outlines
// and streams full detail, on-screen first (detailStream.ts). WebGL becomes worth
// its dependency if zoom frames (a batch rebuild at each new level) grow too slow.
import OpenSeadragon from "openseadragon";
import { oncePerFrame } from "./frame";
import { toMulti } from "./geometry";
import { lodMode, orderForDrawing, screenRing, viewportBBox, type ScreenTransform } from "./lod";
import type { RegionStore } from "./store";
import type { BBox, Position, Region } from "./types";

export interface Layer {
  key: string;
  store: RegionStore;
  visible: boolean;
  /** Other readers' layers are drawn dashed and unfilled so the own layer stays readable. */
  dashed: boolean;
}

export type Draft =
  | { kind: "polygon"; points: Position[]; hover: Position | null; colour: string }
  | { kind: "lasso"; points: Position[]; colour: string }
  | { kind: "stroke"; points: Position[]; radius: number; colour: string; erase: boolean };

interface Batches {
  revision: number;
  level: number;
  bounds: BBox;
  skipId: number | null;
  groups: { colour: string; path: Path2D }[];
  count: number;
}

function contains(outer: BBox, inner: BBox): boolean {
  return outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
}

export interface DrawStats {
  regions: number;
  milliseconds: number;
}

const HANDLE_LIMIT = 1500;

export class OverlayRenderer {
  readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  readonly layers: Layer[] = [];
  opacity = 0.35;
  outlineOnly = false;
  selectedId: number | null = null;
  /** A region being edited (vertex drag) drawn instead of its stored shape. */
  preview: Region | null = null;
  draft: Draft | null = null;
  cursor: { at: Position; radius: number } | null = null;
  lastStats: DrawStats = { regions: 0, milliseconds: 0 };
  onDraw: (stats: DrawStats) => void = () => {};
  private readonly batches = new Map<string, Batches>();
  private snapshot: { canvas: HTMLCanvasElement; key: string; offsetX: number; offsetY: number; count: number } | null =
    null;
  private lastScale = Number.NaN;
  private readonly buffer: number[] = [];

  constructor(
    private readonly viewer: OpenSeadragon.Viewer,
    private readonly colours: Map<string, string>,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "ws-overlay";
    viewer.canvas.appendChild(this.canvas);
    const context = this.canvas.getContext("2d");
    if (!context) throw new Error("this browser has no 2D canvas");
    this.context = context;
    // In OpenSeadragon's frame: drawn together with the tiles, no lag while panning.
    const now = (): void => this.draw();
    viewer.addHandler("update-viewport", now);
    viewer.addHandler("animation", now);
    viewer.addHandler("resize", now);
    viewer.addHandler("open", now);
  }

  /** Redraw at the next frame (for changes that do not move the viewport). */
  readonly requestDraw = oncePerFrame(() => this.draw());

  /** image -> device pixels of the canvas. */
  transform(): ScreenTransform {
    const ratio = window.devicePixelRatio || 1;
    const viewport = this.viewer.viewport;
    const item = this.viewer.world.getItemAt(0);
    const width = item ? item.getContentSize().x : 1;
    const origin = viewport.imageToViewerElementCoordinates(new OpenSeadragon.Point(0, 0));
    const corner = viewport.imageToViewerElementCoordinates(new OpenSeadragon.Point(width, 0));
    return { scale: ((corner.x - origin.x) / width) * ratio, offsetX: origin.x * ratio, offsetY: origin.y * ratio };
  }

  /** Device pixels per CSS pixel times image pixels per CSS pixel: image px -> CSS px. */
  cssScale(): number {
    return this.transform().scale / (window.devicePixelRatio || 1);
  }

  private resize(): void {
    const ratio = window.devicePixelRatio || 1;
    const host = this.viewer.canvas;
    const width = Math.round(host.clientWidth * ratio);
    const height = Math.round(host.clientHeight * ratio);
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
  }

  draw(): void {
    if (!this.viewer.world.getItemAt(0)) return;
    const started = performance.now();
    this.resize();
    const ctx = this.context;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const t = this.transform();
    const view = viewportBBox(t, this.canvas.width, this.canvas.height);
    const count = this.drawLayers(t, view);
    this.drawSelection(t);
    this.drawDraft(t);
    this.lastStats = { regions: count, milliseconds: performance.now() - started };
    this.onDraw(this.lastStats);
  }

  /**
   * All layers, from a snapshot while the view only pans: the snapshot is the
   * layers rasterised once at the current scale over twice the viewport, and a pan
   * frame is then one image copy instead of thousands of paths. While zooming (the
   * scale changes every frame) the paths are drawn directly.
   */
  private drawLayers(t: ScreenTransform, view: BBox): number {
    const { width, height } = this.canvas;
    const stable = t.scale === this.lastScale;
    this.lastScale = t.scale;
    const visible = this.layers.filter((layer) => layer.visible);
    const key = [
      width, height, t.scale, this.opacity, this.outlineOnly, this.preview?.id ?? "",
      ...visible.map((layer) => `${layer.key}:${layer.store.revision}`),
    ].join("|"); // prettier-ignore
    let count = 0;
    const snapshot = this.snapshot;
    if (stable && snapshot && snapshot.key === key) {
      const dx = Math.round(t.offsetX - snapshot.offsetX);
      const dy = Math.round(t.offsetY - snapshot.offsetY);
      if (dx <= 0 && dy <= 0 && dx >= -width && dy >= -height) {
        this.context.drawImage(snapshot.canvas, dx, dy);
        return snapshot.count;
      }
    }
    if (!stable) {
      for (const layer of visible) {
        const batches = this.batchesFor(layer, t, view);
        this.drawBatches(this.context, batches, t, layer.dashed);
        count += batches.count;
      }
      return count;
    }
    // Rasterise a snapshot with half a viewport of margin on every side.
    const canvas = this.snapshot?.canvas ?? document.createElement("canvas");
    canvas.width = 2 * width;
    canvas.height = 2 * height;
    const context = canvas.getContext("2d");
    if (!context) return 0;
    const shifted: ScreenTransform = { scale: t.scale, offsetX: t.offsetX + width / 2, offsetY: t.offsetY + height / 2 };
    const area = viewportBBox(shifted, canvas.width, canvas.height);
    for (const layer of visible) {
      const batches = this.batchesFor(layer, shifted, area);
      this.drawBatches(context, batches, shifted, layer.dashed);
      count += batches.count;
    }
    this.snapshot = { canvas, key, offsetX: shifted.offsetX, offsetY: shifted.offsetY, count };
    this.context.drawImage(canvas, -Math.round(width / 2), -Math.round(height / 2));
    return count;
  }

  private colour(label: string): string {
    return this.colours.get(label) ?? "#cccccc";
  }

  /**
   * The layer's outlines as a few Path2D objects (one per run of a colour) in image
   * coordinates, thinned for the current zoom level (a factor of two). Rebuilt only
   * when the layer changes, the zoom leaves the level, or the view leaves the area
   * cached (three times the viewport each way): panning and zooming within a level
   * redraw from it with a transform and no per-vertex work.
   */
  private batchesFor(layer: Layer, t: ScreenTransform, view: BBox): Batches {
    const level = Math.floor(Math.log2(t.scale));
    const skipId = this.preview?.id ?? null;
    const cached = this.batches.get(layer.key);
    if (
      cached &&
      cached.revision === layer.store.revision &&
      cached.level === level &&
      cached.skipId === skipId &&
      contains(cached.bounds, view)
    ) {
      return cached;
    }
    const width = view[2] - view[0];
    const height = view[3] - view[1];
    const bounds: BBox = [view[0] - width, view[1] - height, view[2] + width, view[3] + height];
    const levelScale = 2 ** level;
    const identity: ScreenTransform = { scale: 1, offsetX: 0, offsetY: 0 };
    const groups: Batches["groups"] = [];
    let count = 0;
    let group: Batches["groups"][number] | null = null;
    for (const region of orderForDrawing(layer.store.searchUnordered(bounds))) {
      if (region.id === skipId) continue; // drawn on its own while its vertices move
      const mode = lodMode(region.bbox, levelScale);
      if (mode === "skip") continue;
      const colour = this.colour(region.label);
      if (!group || group.colour !== colour) {
        group = { colour, path: new Path2D() };
        groups.push(group);
      }
      if (mode === "box") {
        const [x0, y0, x1, y1] = region.bbox;
        group.path.rect(x0, y0, x1 - x0, y1 - y0);
      } else {
        for (const polygon of toMulti(region.geometry)) {
          for (const ring of polygon) {
            // One device pixel at the level's smallest scale, in image pixels.
            const points = screenRing(ring, identity, 1 / levelScale, this.buffer);
            group.path.moveTo(points[0], points[1]);
            for (let i = 2; i < points.length; i += 2) group.path.lineTo(points[i], points[i + 1]);
            group.path.closePath();
          }
        }
      }
      count++;
    }
    const built: Batches = { revision: layer.store.revision, level, bounds, skipId, groups, count };
    this.batches.set(layer.key, built);
    return built;
  }

  private drawBatches(ctx: CanvasRenderingContext2D, batches: Batches, t: ScreenTransform, dashed: boolean): void {
    const ratio = window.devicePixelRatio || 1;
    const fill = !dashed && !this.outlineOnly && this.opacity > 0;
    ctx.setTransform(t.scale, 0, 0, t.scale, t.offsetX, t.offsetY);
    // Widths are in image pixels under this transform: 1.5 device pixels whatever the zoom.
    ctx.lineWidth = (1.5 * ratio) / t.scale;
    ctx.lineJoin = "round";
    ctx.setLineDash(dashed ? [(6 * ratio) / t.scale, (4 * ratio) / t.scale] : []);
    for (const { colour, path } of batches.groups) {
      if (fill) {
        ctx.globalAlpha = this.opacity;
        ctx.fillStyle = colour;
        ctx.fill(path, "nonzero");
      }
      ctx.globalAlpha = 1;
      ctx.strokeStyle = colour;
      ctx.stroke(path);
    }
    ctx.setLineDash([]);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }

  private tracePath(region: Region, t: ScreenTransform, minPx: number): void {
    const ctx = this.context;
    if (lodMode(region.bbox, t.scale) === "box") {
      const [x0, y0, x1, y1] = region.bbox;
      ctx.rect(x0 * t.scale + t.offsetX, y0 * t.scale + t.offsetY, (x1 - x0) * t.scale, (y1 - y0) * t.scale);
      return;
    }
    for (const polygon of toMulti(region.geometry)) {
      for (const ring of polygon) {
        const points = screenRing(ring, t, minPx, this.buffer);
        ctx.moveTo(points[0], points[1]);
        for (let i = 2; i < points.length; i += 2) ctx.lineTo(points[i], points[i + 1]);
        ctx.closePath();
      }
    }
  }

  private selectedRegion(): Region | null {
    if (this.selectedId === null) return null;
    if (this.preview && this.preview.id === this.selectedId) return this.preview;
    for (const layer of this.layers) {
      const region = layer.store.get(this.selectedId);
      if (region) return region;
    }
    return null;
  }

  /** Vertices of the selected region that get a drag handle (none when zoomed out too far). */
  handlePositions(t: ScreenTransform = this.transform()): Position[] {
    const region = this.selectedRegion();
    // An outline's vertices are not the region's: no handles until its full geometry is in.
    if (!region || region.detail === "outline") return [];
    const view = viewportBBox(t, this.canvas.width, this.canvas.height);
    const handles: Position[] = [];
    for (const polygon of toMulti(region.geometry)) {
      for (const ring of polygon) {
        for (let i = 0; i < ring.length - 1; i++) {
          const [x, y] = ring[i];
          if (x < view[0] || x > view[2] || y < view[1] || y > view[3]) continue;
          handles.push(ring[i]);
          if (handles.length > HANDLE_LIMIT) return [];
        }
      }
    }
    return handles;
  }

  private drawSelection(t: ScreenTransform): void {
    const region = this.selectedRegion();
    if (!region) return;
    const ctx = this.context;
    const ratio = window.devicePixelRatio || 1;
    ctx.beginPath();
    this.tracePath(region, t, ratio);
    if (region === this.preview && !this.outlineOnly) {
      ctx.globalAlpha = this.opacity;
      ctx.fillStyle = this.colour(region.label);
      ctx.fill("nonzero");
      ctx.globalAlpha = 1;
    }
    ctx.lineWidth = 3 * ratio;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
    ctx.lineWidth = 1.5 * ratio;
    ctx.strokeStyle = this.colour(region.label);
    ctx.stroke();
    const size = 3.5 * ratio;
    ctx.beginPath();
    for (const [x, y] of this.handlePositions(t)) {
      ctx.rect(x * t.scale + t.offsetX - size, y * t.scale + t.offsetY - size, 2 * size, 2 * size);
    }
    ctx.fillStyle = "#ffffff";
    ctx.fill();
    ctx.strokeStyle = "#111418";
    ctx.lineWidth = 1 * ratio;
    ctx.stroke();
  }

  private drawDraft(t: ScreenTransform): void {
    const ctx = this.context;
    const ratio = window.devicePixelRatio || 1;
    const toScreen = ([x, y]: Position): Position => [x * t.scale + t.offsetX, y * t.scale + t.offsetY];
    const draft = this.draft;
    if (draft) {
      const points = draft.points.map(toScreen);
      if (draft.kind === "polygon" && draft.hover) points.push(toScreen(draft.hover));
      ctx.beginPath();
      points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
      if (draft.kind === "stroke") {
        if (points.length === 1) ctx.lineTo(points[0][0] + 0.01, points[0][1]);
        ctx.lineCap = "round";
        ctx.lineJoin = "round";
        ctx.lineWidth = Math.max(1, 2 * draft.radius * t.scale);
        ctx.globalAlpha = 0.45;
        ctx.strokeStyle = draft.erase ? "#ffffff" : draft.colour;
        ctx.stroke();
        ctx.globalAlpha = 1;
        ctx.lineCap = "butt";
      } else {
        ctx.lineWidth = 2 * ratio;
        ctx.strokeStyle = draft.colour;
        ctx.setLineDash(draft.kind === "polygon" ? [] : [4 * ratio, 3 * ratio]);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = draft.colour;
        if (draft.kind === "polygon") {
          for (const [x, y] of points.slice(0, draft.points.length)) ctx.fillRect(x - 3 * ratio, y - 3 * ratio, 6 * ratio, 6 * ratio);
        }
      }
    }
    if (this.cursor) {
      const [x, y] = toScreen(this.cursor.at);
      ctx.beginPath();
      ctx.arc(x, y, Math.max(2, this.cursor.radius * t.scale), 0, 2 * Math.PI);
      ctx.lineWidth = 1 * ratio;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    }
  }
}
