// The AI layer's pure parts: when the protocol shows the layer on this read, which
// suggestion comes next, the area the reader drags, where the heatmap lies.
import type { Geometry, Position } from "../types";
import type { AIProtocol, PredictionRun, Suggestion } from "./types";

export type LayerMode =
  /** The layer is shown (decisions allowed when the read is editable). */
  | { kind: "show" }
  /** No layer, with the reason shown in its place. */
  | { kind: "hidden"; note: string }
  /** The unaided read is submitted: the page offers to start (or open) the aided read. */
  | { kind: "offer-aided"; note: string };

/**
 * What this read's page does with the AI layer. It mirrors the API's rule
 * (inference/selectors/predictions.py), which is what actually enforces it: under
 * ``unaided_then_aided`` suggestions are decided in the aided read only, so the
 * submitted unaided read offers that read instead of showing the layer.
 */
export function layerMode(protocol: AIProtocol, readKind: string, readStatus: string): LayerMode {
  if (readKind === "consensus") return { kind: "hidden", note: "The AI layer is not shown on a consensus read." };
  if (protocol === "never") return { kind: "hidden", note: "This project's protocol never shows AI suggestions to readers." };
  if (protocol === "from_start" || readKind === "aided") return { kind: "show" };
  if (readStatus !== "submitted") {
    return { kind: "hidden", note: "This project reads unaided first: the AI layer appears once this read is submitted, in an aided read." };
  }
  return { kind: "offer-aided", note: "Your unaided read is submitted. The aided read starts as a copy of it and shows the AI layer." };
}

/** The suggestions still to decide in this read, best first (the API's order). */
export function undecided(suggestions: Suggestion[]): Suggestion[] {
  return suggestions.filter((suggestion) => suggestion.decision === null);
}

/** The id after ``current`` in ``list`` (wrapping; the first when ``current`` is not there), or null when empty. */
export function nextId(list: Suggestion[], current: number | null, step = 1): number | null {
  if (!list.length) return null;
  const at = list.findIndex((suggestion) => suggestion.id === current);
  if (at < 0) return list[0].id;
  return list[(at + step + list.length) % list.length].id;
}

/** The rectangle spanned by two image points, as a GeoJSON polygon (counter-clockwise in image axes). */
export function rectangle([ax, ay]: Position, [bx, by]: Position): Geometry {
  const [x0, x1] = [Math.min(ax, bx), Math.max(ax, bx)];
  const [y0, y1] = [Math.min(ay, by), Math.max(ay, by)];
  return { type: "Polygon", coordinates: [[[x0, y0], [x0, y1], [x1, y1], [x1, y0], [x0, y0]]] };
}

/** The run the layer shows: the newest finished one, else the newest (its status and error are shown). */
export function shownRun(runs: PredictionRun[]): PredictionRun | null {
  return runs.find((run) => run.status === "done") ?? runs[0] ?? null;
}

/** One line on the run: model, status (progress or error) and score. */
export function describeRun(run: PredictionRun): string {
  const score = run.score === null ? "" : ` · mosaic score ${run.score.toFixed(2)}`;
  const threshold = run.threshold === null ? "" : ` (threshold ${run.threshold.toFixed(2)})`;
  switch (run.status) {
    case "done":
      return `${run.model_name}: done${score}${threshold} · ${run.suggestion_count} suggestion(s)`;
    case "failed":
      return `${run.model_name}: failed — ${run.error || "no reason given"}`;
    case "running":
      return `${run.model_name}: running (${run.progress} %)`;
    default:
      return `${run.model_name}: ${run.status}`;
  }
}

/** The heatmap's place on the mosaic, in image pixels: one PNG pixel per ``downsample`` mosaic pixels, from the origin. */
export function heatmapBounds(pngWidth: number, pngHeight: number, downsample: number): [number, number, number, number] {
  return [0, 0, pngWidth * downsample, pngHeight * downsample];
}
