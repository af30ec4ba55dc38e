// Pointer tools on the viewer: select (and vertex edit), polygon, lasso, brush, eraser.
//
// Decision: OpenSeadragon keeps the pointer (wheel zoom and panning keep working
// everywhere); a tool that needs a drag cancels OpenSeadragon's default action
// for that drag ('canvas-drag' preventDefaultAction) instead of covering the
// viewer with an element of its own.
import OpenSeadragon from "openseadragon";
import { bufferPath, circleSegments, lassoPolygon } from "./brush";
import { deleteVertex, geometryArea, geometryBBox, moveVertex, nearestVertex, polygonFromPoints, type VertexPath } from "./geometry";
import type { Editor } from "./editor";
import type { OverlayRenderer } from "./renderer";
import type { Position, Region } from "./types";

export type ToolName = "select" | "polygon" | "lasso" | "brush" | "eraser";

export interface ToolContext {
  label(): string;
  colour(label: string): string;
  brushRadiusPx(): number;
  editable(): boolean;
  select(region: Region | null): void;
}

/** Screen pixels within which a click grabs a vertex handle. */
const HANDLE_REACH = 7;

interface OsdPointerEvent {
  position: OpenSeadragon.Point;
  originalEvent: Event;
  preventDefaultAction: boolean;
  quick?: boolean;
}

export class Tools {
  tool: ToolName = "select";
  private polygon: Position[] = [];
  private path: Position[] | null = null;
  private vertexDrag: { region: Region; vertex: VertexPath } | null = null;
  private hover: Position | null = null;
  onToolChange: (tool: ToolName) => void = () => {};

  constructor(
    private readonly viewer: OpenSeadragon.Viewer,
    private readonly renderer: OverlayRenderer,
    private readonly editor: Editor,
    private readonly context: ToolContext,
  ) {
    viewer.addHandler("canvas-press", (e) => this.press(e as unknown as OsdPointerEvent));
    viewer.addHandler("canvas-drag", (e) => this.drag(e as unknown as OsdPointerEvent));
    viewer.addHandler("canvas-drag-end", (e) => this.dragEnd(e as unknown as OsdPointerEvent));
    viewer.addHandler("canvas-release", (e) => this.release(e as unknown as OsdPointerEvent));
    viewer.addHandler("canvas-click", (e) => this.click(e as unknown as OsdPointerEvent));
    viewer.addHandler("canvas-double-click", (e) => this.doubleClick(e as unknown as OsdPointerEvent));
    viewer.canvas.addEventListener("pointermove", (e) => this.move(e));
    viewer.canvas.addEventListener("pointerleave", () => {
      this.hover = null;
      this.renderer.cursor = null;
      this.updateDraft();
    });
  }

  setTool(tool: ToolName): void {
    if (!this.context.editable() && tool !== "select") return;
    this.cancel();
    this.tool = tool;
    this.viewer.canvas.dataset.tool = tool;
    this.onToolChange(tool);
  }

  /** Drop the drawing in progress; true if there was one. */
  cancel(): boolean {
    const had = this.polygon.length > 0 || this.path !== null || this.vertexDrag !== null;
    this.polygon = [];
    this.path = null;
    this.vertexDrag = null;
    this.renderer.preview = null;
    this.updateDraft();
    return had;
  }

  get drawingPolygon(): boolean {
    return this.polygon.length > 0;
  }

  private toImage(position: OpenSeadragon.Point): Position {
    const point = this.viewer.viewport.viewerElementToImageCoordinates(position);
    return [point.x, point.y];
  }

  /** Image pixels per screen pixel at the current zoom. */
  private imagePerScreenPx(): number {
    return 1 / this.renderer.cssScale();
  }

  private updateDraft(): void {
    const colour = this.context.colour(this.context.label());
    if (this.tool === "polygon" && this.polygon.length) {
      this.renderer.draft = { kind: "polygon", points: this.polygon, hover: this.hover, colour };
    } else if (this.tool === "lasso" && this.path) {
      this.renderer.draft = { kind: "lasso", points: this.path, colour };
    } else if ((this.tool === "brush" || this.tool === "eraser") && this.path) {
      const radius = this.context.brushRadiusPx();
      this.renderer.draft = { kind: "stroke", points: this.path, radius, colour, erase: this.tool === "eraser" };
    } else {
      this.renderer.draft = null;
    }
    const brushing = (this.tool === "brush" || this.tool === "eraser") && this.hover;
    this.renderer.cursor = brushing ? { at: this.hover!, radius: this.context.brushRadiusPx() } : null;
    this.renderer.requestDraw();
  }

  private move(event: PointerEvent): void {
    const rect = this.viewer.canvas.getBoundingClientRect();
    this.hover = this.toImage(new OpenSeadragon.Point(event.clientX - rect.left, event.clientY - rect.top));
    if (this.tool !== "select") this.updateDraft();
  }

  private grabVertex(at: Position): { region: Region; vertex: VertexPath } | null {
    const id = this.renderer.selectedId;
    const region = id === null ? undefined : this.editor.store.get(id);
    if (!region || !this.context.editable() || this.renderer.handlePositions().length === 0) return null;
    const vertex = nearestVertex(region.geometry, at[0], at[1], HANDLE_REACH * this.imagePerScreenPx());
    return vertex ? { region, vertex } : null;
  }

  private press(event: OsdPointerEvent): void {
    const at = this.toImage(event.position);
    if (this.tool === "select") {
      const altKey = (event.originalEvent as MouseEvent).altKey;
      this.vertexDrag = altKey ? null : this.grabVertex(at);
    } else if (this.tool === "lasso" || this.tool === "brush" || this.tool === "eraser") {
      this.path = [at];
      this.updateDraft();
    }
  }

  private drag(event: OsdPointerEvent): void {
    const at = this.toImage(event.position);
    if (this.tool === "select" && this.vertexDrag) {
      event.preventDefaultAction = true;
      const { region, vertex } = this.vertexDrag;
      const geometry = moveVertex(region.geometry, vertex, at[0], at[1]);
      this.renderer.preview = { ...region, geometry, bbox: geometryBBox(geometry), area_px: geometryArea(geometry) };
      this.renderer.requestDraw();
    } else if (this.path) {
      event.preventDefaultAction = true;
      this.path.push(at);
      this.updateDraft();
    }
  }

  private dragEnd(event: OsdPointerEvent): void {
    // No flick after a stroke or a vertex drag.
    if (this.path || this.vertexDrag) event.preventDefaultAction = true;
  }

  private release(event: OsdPointerEvent): void {
    if (this.vertexDrag) {
      const { region } = this.vertexDrag;
      const preview = this.renderer.preview;
      this.vertexDrag = null;
      this.renderer.preview = null;
      if (preview && preview.id === region.id) void this.editor.updateRegion(region.id, { geometry: preview.geometry });
      return;
    }
    const path = this.path;
    if (!path) return;
    this.path = null;
    const end = this.toImage(event.position);
    if (path.length === 1 || path[path.length - 1][0] !== end[0]) path.push(end);
    this.finishPath(path);
    this.updateDraft();
  }

  private finishPath(path: Position[]): void {
    if (!this.context.editable()) return;
    const label = this.context.label();
    if (this.tool === "lasso") {
      const geometry = lassoPolygon(path, this.imagePerScreenPx());
      if (geometry) void this.editor.addShape(label, geometry);
      return;
    }
    const radius = this.context.brushRadiusPx();
    const geometry = bufferPath(path, radius, circleSegments(radius / this.imagePerScreenPx()));
    if (!geometry) return;
    if (this.tool === "brush") void this.editor.addShape(label, geometry);
    else void this.editor.erase(geometry);
  }

  private click(event: OsdPointerEvent): void {
    const at = this.toImage(event.position);
    if (this.tool === "polygon") {
      event.preventDefaultAction = true;
      if (!this.context.editable() || !event.quick) return; // a drag pans, it adds no vertex
      // A double-click also sends two clicks: do not add a vertex on top of the last one.
      const last = this.polygon[this.polygon.length - 1];
      const reach = 3 * this.imagePerScreenPx();
      if (last && Math.hypot(last[0] - at[0], last[1] - at[1]) < reach) return;
      this.polygon.push(at);
      this.updateDraft();
      return;
    }
    if (this.tool !== "select" || !event.quick) return;
    event.preventDefaultAction = true;
    const altKey = (event.originalEvent as MouseEvent).altKey;
    if (altKey) {
      const grabbed = this.grabVertex(at);
      if (grabbed) {
        const geometry = deleteVertex(grabbed.region.geometry, grabbed.vertex);
        if (geometry) void this.editor.updateRegion(grabbed.region.id, { geometry });
        else void this.editor.deleteRegion(grabbed.region.id);
        return;
      }
    }
    this.context.select(this.editor.store.hitTest(at[0], at[1]));
  }

  private doubleClick(event: OsdPointerEvent): void {
    if (this.tool === "select") return; // the viewer's double-click zoom
    event.preventDefaultAction = true;
    if (this.tool === "polygon") this.closePolygon();
  }

  /** Close the polygon being drawn and save it; false if it has fewer than three vertices. */
  closePolygon(): boolean {
    const geometry = polygonFromPoints(this.polygon);
    this.polygon = [];
    this.updateDraft();
    if (!geometry || !this.context.editable()) return false;
    // A polygon drawn across itself is resolved like a lasso.
    const resolved = lassoPolygon(geometry.coordinates[0] as Position[], 0) ?? geometry;
    void this.editor.addShape(this.context.label(), resolved);
    return true;
  }

  /** Backspace while drawing a polygon: drop its last vertex. */
  removeLastVertex(): void {
    this.polygon.pop();
    this.updateDraft();
  }
}
