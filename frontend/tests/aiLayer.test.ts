import { describe, expect, it } from "vitest";
import { describeRun, heatmapBounds, layerMode, nextId, rectangle, shownRun, undecided } from "../src/workspace/ai/model";
import type { PredictionRun, Suggestion } from "../src/workspace/ai/types";
import { matchShortcut, SHORTCUTS, type KeyLike } from "../src/workspace/keys";

function suggestion(id: number, decision: Suggestion["decision"] = null): Suggestion {
  return {
    id, run: 1, model: 7, label: "other_suspicious", score: 0.9, mean_probability: 0.8, area_px: 100, bbox: [0, 0, 10, 10],
    provenance: "ai", decision, region: null, geometry: { type: "Polygon", coordinates: [[[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]] },
  }; // prettier-ignore
}

function run(status: PredictionRun["status"], extra: Partial<PredictionRun> = {}): PredictionRun {
  return {
    id: 1, model: 7, model_name: "bright", model_kind: "classifier", status, progress: 100, score: 0.97, threshold: 0.9,
    tile_grid: { rows: 4, cols: 6, tile_size: 64 }, heatmap_downsample: 16, suggestion_count: 1, error: "",
    queued_at: null, started_at: null, finished_at: null, ...extra,
  } as PredictionRun; // prettier-ignore
}

function key(k: string): KeyLike {
  return { key: k, code: "", ctrlKey: false, metaKey: false, shiftKey: false, altKey: false };
}

describe("the AI layer's protocol on a read", () => {
  it("hides the layer from an unaided read until it is submitted, then offers the aided read", () => {
    expect(layerMode("unaided_then_aided", "reader", "in_progress").kind).toBe("hidden");
    expect(layerMode("unaided_then_aided", "reader", "assigned").kind).toBe("hidden");
    expect(layerMode("unaided_then_aided", "reader", "submitted").kind).toBe("offer-aided");
    expect(layerMode("unaided_then_aided", "aided", "in_progress").kind).toBe("show");
  });

  it("shows it at once from the start, never under never, never on a consensus", () => {
    expect(layerMode("from_start", "reader", "in_progress").kind).toBe("show");
    expect(layerMode("never", "reader", "submitted").kind).toBe("hidden");
    expect(layerMode("from_start", "consensus", "in_progress").kind).toBe("hidden");
  });
});

describe("going through the suggestions", () => {
  it("keeps the undecided ones and steps through them, wrapping", () => {
    const open = undecided([suggestion(1), suggestion(2, "rejected"), suggestion(3), suggestion(4, "accepted")]);
    expect(open.map((s) => s.id)).toEqual([1, 3]);
    expect(nextId(open, null)).toBe(1);
    expect(nextId(open, 1)).toBe(3);
    expect(nextId(open, 3)).toBe(1);
    expect(nextId(open, 2)).toBe(1); // decided meanwhile: back to the first
    expect(nextId([], 1)).toBeNull();
  });

  it("makes a closed rectangle whichever corner the drag starts from", () => {
    const geometry = rectangle([30, 40], [10, 5]);
    expect(geometry).toEqual({ type: "Polygon", coordinates: [[[10, 5], [10, 40], [30, 40], [30, 5], [10, 5]]] });
  });
});

describe("the run and its heatmap", () => {
  it("shows the finished run, else the newest with its error", () => {
    const failed = run("failed", { id: 2, error: "the model's files are missing: register it again" });
    expect(shownRun([failed, run("done")])?.status).toBe("done");
    expect(shownRun([failed])).toBe(failed);
    expect(shownRun([])).toBeNull();
    expect(describeRun(failed)).toContain("failed — the model's files are missing");
    expect(describeRun(run("done"))).toContain("mosaic score 0.97");
  });

  it("lays one PNG pixel over downsample mosaic pixels from the origin", () => {
    expect(heatmapBounds(24, 16, 16)).toEqual([0, 0, 384, 256]);
  });
});

describe("the AI layer's keys", () => {
  it("accept, reject, next and toggle have their own keys, listed in the help", () => {
    expect(matchShortcut(key("a"))?.action).toBe("ai:accept");
    expect(matchShortcut(key("x"))?.action).toBe("ai:reject");
    expect(matchShortcut(key("j"))?.action).toBe("ai:next");
    expect(matchShortcut(key("i"))?.action).toBe("ai:toggle");
    expect(SHORTCUTS.filter((s) => s.action.startsWith("ai:")).every((s) => s.description.startsWith("AI layer"))).toBe(true);
  });
});
