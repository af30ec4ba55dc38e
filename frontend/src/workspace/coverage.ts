// Reading coverage: while the reader works, the parts of the mosaic shown at
// diagnostic zoom (at least DIAGNOSTIC_ZOOM screen px per image px, the server's
// definition in annotations/geometry/coverage.py) are sent as viewport boxes to
// POST /api/reads/{id}/coverage/, which ORs them into a coarse grid. Submitting with
// less viewed than the project's min_viewed_fraction asks the reader to confirm, and
// then sends confirm_low_coverage (the server refuses the submit otherwise).
//
// Simplification: boxes are batched every few seconds; those of the last seconds
// before the tab closes may be lost (a fetch at unload is not guaranteed to leave).
import OpenSeadragon from "openseadragon";
import type { Schemas } from "../api/types";
import { api } from "../lib/api";
import type { BBox } from "./types";

export type Coverage = Schemas["Coverage"];

const FLUSH_MS = 2500;
const MAX_BOXES = 200;

/** The viewport's box in image pixels, clipped to the mosaic; null when nothing of it is in view. */
export function clipToMosaic(box: BBox, width: number, height: number): BBox | null {
  const clipped: BBox = [Math.max(0, box[0]), Math.max(0, box[1]), Math.min(width, box[2]), Math.min(height, box[3])];
  return clipped[2] > clipped[0] && clipped[3] > clipped[1] ? clipped : null;
}

/** "37 %" */
export function formatFraction(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

export class CoverageTracker {
  private pending: BBox[] = [];
  private timer: number | undefined;
  private sending: Promise<void> = Promise.resolve();
  latest: Coverage | null = null;
  onChange: (coverage: Coverage) => void = () => {};

  constructor(
    private readonly viewer: OpenSeadragon.Viewer,
    private readonly url: string,
    private readonly size: { width: number; height: number },
  ) {}

  /** Loads the stored grid, then records every view that settles (after a pan or zoom). */
  async start(): Promise<void> {
    this.latest = await api.get<Coverage>(this.url);
    this.onChange(this.latest);
    const record = (): void => this.record();
    this.viewer.addHandler("animation-finish", record);
    this.viewer.addHandler("open", record);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") void this.flush();
    });
    record();
  }

  /** The current view, when it is at diagnostic zoom. */
  record(): void {
    if (!this.latest || !this.viewer.world.getItemAt(0)) return;
    const viewport = this.viewer.viewport;
    // Screen (CSS) px per image px: the server's definition of the diagnostic zoom.
    const zoom = viewport.viewportToImageZoom(viewport.getZoom(true));
    if (zoom < this.latest.diagnostic_zoom) return;
    const bounds = viewport.viewportToImageRectangle(viewport.getBounds(true));
    const box = clipToMosaic([bounds.x, bounds.y, bounds.x + bounds.width, bounds.y + bounds.height], this.size.width, this.size.height);
    if (!box) return;
    this.pending.push(box);
    if (this.pending.length >= MAX_BOXES) void this.flush();
    else if (this.timer === undefined) this.timer = window.setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Sends what is pending (one request at a time); resolves when the server has it. */
  flush(): Promise<void> {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    const boxes = this.pending.splice(0);
    if (boxes.length === 0) return this.sending;
    this.sending = this.sending.then(async () => {
      try {
        this.latest = await api.post<Coverage>(this.url, { viewports: boxes } satisfies Schemas["CoverageInputRequest"]);
        this.onChange(this.latest);
      } catch {
        // A locked (submitted) read or a network failure: coverage is advisory, reading goes on.
      }
    });
    return this.sending;
  }

  /**
   * What submitting needs: null to stay, else the body's extra fields. Below the
   * project's minimum, the reader is told how much was viewed and must confirm.
   */
  async confirmSubmit(lockWarning: string): Promise<{ confirm_low_coverage?: boolean } | null> {
    await this.flush();
    const coverage = this.latest;
    if (coverage && coverage.min_viewed_fraction > 0 && coverage.viewed_fraction < coverage.min_viewed_fraction) {
      const warning =
        `You viewed ${formatFraction(coverage.viewed_fraction)} of the mosaic at diagnostic zoom; ` +
        `the project asks for at least ${formatFraction(coverage.min_viewed_fraction)}.\n\nSubmit anyway? ${lockWarning}`;
      return window.confirm(warning) ? { confirm_low_coverage: true } : null;
    }
    return window.confirm(lockWarning) ? {} : null;
  }
}
