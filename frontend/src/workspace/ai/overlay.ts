// The AI layer on screen: the run's heatmap and its suggestions, on a canvas of its
// own under the reader's regions (so the reader's work stays on top), redrawn in
// OpenSeadragon's frame like the regions' canvas and with the same image -> screen
// transform (OverlayRenderer.transform). Suggestions are outlined dashed in the AI
// colour, which no label uses, with a faint fill; the current one (keyboard) solid.
import type OpenSeadragon from "openseadragon";
import { toMulti } from "../geometry";
import type { OverlayRenderer } from "../renderer";
import type { Geometry, Position } from "../types";
import { heatmapBounds } from "./model";
import type { Suggestion } from "./types";
import { oncePerFrame } from "../frame";

/** The AI colour: a spring green, a hue between the labels' green and cyan (annotations/vocabulary.py). */
export const AI_COLOUR = "#00f0a0";
const SUGGESTION_FILL = 0.18;

export class AIOverlay {
  readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  heatmap: { image: HTMLImageElement; downsample: number } | null = null;
  heatmapOpacity = 0.5;
  showHeatmap = true;
  showSuggestions = true;
  visible = true;
  suggestions: Suggestion[] = [];
  currentId: number | null = null;
  /** A suggestion being edited: its changed outline, drawn solid with vertex handles instead of the suggestion. */
  editing: { id: number; geometry: Geometry } | null = null;
  /** The area being dragged (image corners). */
  area: [Position, Position] | null = null;

  constructor(
    private readonly viewer: OpenSeadragon.Viewer,
    private readonly regions: OverlayRenderer,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "ws-overlay ai-overlay";
    this.canvas.dataset.testid = "ai-overlay";
    viewer.canvas.insertBefore(this.canvas, regions.canvas); // under the reader's regions
    const context = this.canvas.getContext("2d");
    if (!context) throw new Error("this browser has no 2D canvas");
    this.context = context;
    const now = (): void => this.draw();
    for (const event of ["update-viewport", "animation", "resize", "open"] as const) viewer.addHandler(event, now);
  }

  /** Redraw at the next frame (for changes that do not move the viewport). */
  readonly requestDraw = oncePerFrame(() => this.draw());

  draw(): void {
    if (!this.viewer.world.getItemAt(0)) return;
    const ratio = window.devicePixelRatio || 1;
    const host = this.viewer.canvas;
    const width = Math.round(host.clientWidth * ratio);
    const height = Math.round(host.clientHeight * ratio);
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    const ctx = this.context;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (!this.visible) return;
    const t = this.regions.transform();
    ctx.setTransform(t.scale, 0, 0, t.scale, t.offsetX, t.offsetY);
    if (this.showHeatmap && this.heatmap && this.heatmapOpacity > 0) {
      const { image, downsample } = this.heatmap;
      const [x0, y0, x1, y1] = heatmapBounds(image.naturalWidth, image.naturalHeight, downsample);
      ctx.imageSmoothingEnabled = false; // one block per tile, as the model saw it
      ctx.globalAlpha = this.heatmapOpacity;
      ctx.drawImage(image, x0, y0, x1 - x0, y1 - y0);
      ctx.globalAlpha = 1;
    }
    if (this.showSuggestions) {
      for (const suggestion of this.suggestions) {
        if (suggestion.id === this.editing?.id) continue;
        this.outline(suggestion.geometry as Geometry, t.scale, ratio, suggestion.id === this.currentId);
      }
    }
    if (this.editing) {
      this.outline(this.editing.geometry, t.scale, ratio, true);
      const size = (4 * ratio) / t.scale;
      ctx.beginPath();
      for (const polygon of toMulti(this.editing.geometry)) {
        for (const ring of polygon) for (const [x, y] of ring.slice(0, -1)) ctx.rect(x - size, y - size, 2 * size, 2 * size);
      }
      ctx.fillStyle = "#ffffff";
      ctx.fill();
    }
    if (this.area) {
      const [[ax, ay], [bx, by]] = this.area;
      ctx.beginPath();
      ctx.rect(Math.min(ax, bx), Math.min(ay, by), Math.abs(bx - ax), Math.abs(by - ay));
      ctx.setLineDash([(4 * ratio) / t.scale, (3 * ratio) / t.scale]);
      ctx.lineWidth = (2 * ratio) / t.scale;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }

  private outline(geometry: Geometry, scale: number, ratio: number, current: boolean): void {
    const ctx = this.context;
    ctx.beginPath();
    for (const polygon of toMulti(geometry)) {
      for (const ring of polygon) {
        ring.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
        ctx.closePath();
      }
    }
    ctx.globalAlpha = current ? 2 * SUGGESTION_FILL : SUGGESTION_FILL;
    ctx.fillStyle = AI_COLOUR;
    ctx.fill("evenodd");
    ctx.globalAlpha = 1;
    ctx.lineWidth = ((current ? 3 : 2) * ratio) / scale;
    ctx.setLineDash(current ? [] : [(6 * ratio) / scale, (4 * ratio) / scale]);
    ctx.strokeStyle = AI_COLOUR;
    ctx.stroke();
    ctx.setLineDash([]);
  }
}
