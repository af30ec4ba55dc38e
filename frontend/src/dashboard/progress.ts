// Progress: mosaics per center by state, reads per reader by status (GET progress/).
import { api } from "../lib/api";
import { fillTable, percent, type Cell } from "./dom";
import type { DashboardContext, Progress } from "./types";

const STATES = ["unassigned", "assigned", "in_progress", "submitted", "adjudicated", "not_ready"] as const;
const STATE_NAMES = ["Unassigned", "Assigned", "In progress", "Submitted", "Adjudicated", "Not ready"];

const count = (key: string, value: number): Cell => ({ text: String(value), value, key });

export async function showProgress(ctx: DashboardContext): Promise<Progress> {
  const progress = await api.get<Progress>(ctx.boot.urls.progress);
  const centers = [...progress.by_center.map((row) => ({ ...row, name: row.center })), { ...progress.totals, name: "All" }];
  fillTable(
    document.getElementById("progress-centers")!,
    ["Center", "Mosaics", ...STATE_NAMES],
    centers.map((row) => [row.name, count("mosaics", row.mosaics), ...STATES.map((state) => count(state, row[state]))]),
    "No mosaics yet.",
  );
  fillTable(
    document.getElementById("progress-readers")!,
    ["Reader", "Reads", "Assigned", "In progress", "Submitted", "Mean viewed", "Submitted below min. viewed"],
    progress.by_reader.map((row) => [
      row.reader,
      count("reads", row.reads),
      count("assigned", row.assigned),
      count("in_progress", row.in_progress),
      count("submitted", row.submitted),
      { text: percent(row.mean_viewed_fraction), value: row.mean_viewed_fraction, key: "mean_viewed_fraction" },
      count("submitted_below_min_viewed", row.submitted_below_min_viewed),
    ]),
    "No reads assigned yet.",
  );
  return progress;
}
