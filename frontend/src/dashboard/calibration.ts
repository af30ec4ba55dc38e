// Reader calibration against the adjudicated consensus: each reader's sensitivity and
// precision, pooled over their adjudicated mosaics and as a mean (GET calibration/).
import { api } from "../lib/api";
import { fillTable, ratio } from "./dom";
import type { DashboardContext, ProjectCalibration } from "./types";

export async function showCalibration(ctx: DashboardContext): Promise<void> {
  const report = await api.get<ProjectCalibration>(ctx.boot.urls.calibration);
  fillTable(
    document.getElementById("calibration")!,
    ["Reader", "Adjudicated mosaics", "Sensitivity", "Precision", "Mean sensitivity", "Mean precision"],
    report.readers.map((row) => [
      row.reader,
      row.mosaics,
      { text: ratio(row.sensitivity), value: row.sensitivity, key: "sensitivity" },
      { text: ratio(row.precision), value: row.precision, key: "precision" },
      { text: ratio(row.mean_sensitivity), value: row.mean_sensitivity, key: "mean_sensitivity" },
      { text: ratio(row.mean_precision), value: row.mean_precision, key: "mean_precision" },
    ]),
    "No adjudicated consensus yet.",
  );
}
