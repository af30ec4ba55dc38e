// Polling a case's mosaics while they ingest: which ones still need watching, and how to show each.

import type { Mosaic } from "../api/types";

/** What the case page shows of a mosaic while it ingests (the API schema's Mosaic). */
export type MosaicStatus = Pick<Mosaic, "id" | "status" | "progress" | "failure_reason" | "width" | "height">;

export function isSettled(mosaic: Pick<MosaicStatus, "status">): boolean {
  return mosaic.status === "ready" || mosaic.status === "failed";
}

/** Words for the status cell: "Processing 45%", "Ready", "Failed: reason". */
export function describeStatus(mosaic: MosaicStatus): string {
  switch (mosaic.status) {
    case "uploaded":
      return "Waiting for ingest";
    case "processing":
      return `Processing ${mosaic.progress}%`;
    case "ready":
      return "Ready";
    case "failed":
      return `Failed: ${mosaic.failure_reason || "no reason given"}`;
  }
}

/** Human-readable byte counts for the upload bar. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** The key under which an unfinished upload of this file is remembered, to resume after a reload. */
export function resumeKey(caseId: number, file: { name: string; size: number; lastModified: number }): string {
  return `rcm-upload:${caseId}:${file.name}:${file.size}:${file.lastModified}`;
}
