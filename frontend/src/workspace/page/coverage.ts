// The workspace's reading coverage: the reader's own, editable reader read records
// what it views at diagnostic zoom (src/workspace/coverage.ts), shows the viewed
// share in the header, and submitting below the project's minimum asks to confirm.
import "../../styles/coverage.css";
import type { CaseFields } from "../caseFields";
import { CoverageTracker, formatFraction } from "../coverage";
import type { Workspace } from "./session";

export function setUpCoverage(ws: Workspace, fields: CaseFields): CoverageTracker | null {
  if (ws.read.kind !== "reader" || !ws.editable()) return null;
  const url = `${ws.boot.urls.readBase}${ws.boot.readId}/coverage/`;
  const tracker = new CoverageTracker(ws.viewer, url, { width: ws.boot.mosaic.width, height: ws.boot.mosaic.height });
  const shown = document.createElement("span");
  shown.id = "viewed-fraction";
  shown.className = "ws-viewed";
  document.getElementById("save-status")?.before(shown);
  tracker.onChange = (coverage) => {
    const low = coverage.min_viewed_fraction > 0 && coverage.viewed_fraction < coverage.min_viewed_fraction;
    shown.textContent = `Viewed ${formatFraction(coverage.viewed_fraction)}`;
    shown.title =
      `Share of the mosaic seen at diagnostic zoom (≥ ${coverage.diagnostic_zoom} screen px per image px)` +
      (coverage.min_viewed_fraction > 0 ? `; the project asks for ${formatFraction(coverage.min_viewed_fraction)}` : "");
    shown.classList.toggle("ws-viewed-low", low);
    ws.root.dataset.viewedFraction = String(coverage.viewed_fraction);
  };
  fields.confirmSubmit = (lockWarning) => tracker.confirmSubmit(lockWarning);
  tracker.start().catch(() => shown.remove()); // coverage is advisory: the workspace works without it
  return tracker;
}
