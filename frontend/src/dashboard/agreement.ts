// Agreement: the project's aggregates with their 95% intervals, plots per reader pair,
// center, diagnosis and month, the distribution over mosaics, and the mosaics with the
// lowest agreement first, each a link to its disagreement map in the viewer.
// Everything comes from GET agreement/ (the rows ordered by Dice, lowest first).
import { api, ApiError, withQuery } from "../lib/api";
import { histogramPlot, intervalPlot, metricDomain, type Estimate } from "./charts";
import { el, fillTable, micrometres, ratio, when, type Cell } from "./dom";
import type { AgreementRow, DashboardContext, GroupAgreement, ProjectAgreement } from "./types";

type Metric = keyof GroupAgreement;

export const METRICS: { key: Metric; name: string }[] = [
  { key: "dice", name: "Dice" },
  { key: "iou", name: "IoU" },
  { key: "tile_kappa", name: "Tile κ" },
  { key: "lesion_f1", name: "Lesion F1" },
  { key: "lesion_precision", name: "Lesion precision" },
  { key: "lesion_recall", name: "Lesion recall" },
  { key: "hausdorff95_um", name: "HD95" },
  { key: "diagnosis_kappa", name: "Diagnosis κ" },
];
/** The metrics each mosaic's row has (the rest exist only over groups). */
const ROW_METRICS = new Set<string>(["dice", "iou", "tile_kappa", "lesion_f1", "lesion_precision", "lesion_recall", "hausdorff95_um"]);
const LOWEST_SHOWN = 20;

/** A metric's value as the page writes it: µm for distances, three decimals otherwise. */
export function formatMetric(metric: string, value: number | null | undefined): string {
  return metric.endsWith("_um") ? micrometres(value) : ratio(value);
}

/** The viewer with this row's pair's disagreement map shown (A and B as in the row). */
export function mapLink(mosaicPage: string, row: Pick<AgreementRow, "mosaic" | "readers">): string {
  return `${mosaicPage}${row.mosaic}/?${new URLSearchParams({ map: "disagreement", pair: row.readers.join(",") })}`;
}

function estimates(groups: Record<string, GroupAgreement> | undefined, metric: Metric): Estimate[] {
  return Object.entries(groups ?? {}).map(([label, group]) => ({
    label,
    value: group[metric]?.value ?? null,
    ci95: group[metric]?.ci95 ?? null,
    n: group[metric]?.n ?? 0,
  }));
}

export function setUpAgreement(ctx: DashboardContext): () => Promise<void> {
  const select = document.getElementById("agreement-metric") as HTMLSelectElement;
  select.replaceChildren(...METRICS.map((metric) => el("option", { value: metric.key }, metric.name)));
  let report: ProjectAgreement | undefined;

  function plot(): void {
    if (!report) return;
    const metric = select.value as Metric;
    const name = METRICS.find((m) => m.key === metric)!.name;
    const { aggregates } = report;
    const groups = {
      pair: estimates(aggregates.by_pair, metric),
      center: estimates(aggregates.by_center, metric),
      diagnosis: estimates(aggregates.by_diagnosis, metric),
      month: estimates(aggregates.by_month, metric).sort((a, b) => a.label.localeCompare(b.label)),
    };
    const rowValues = ROW_METRICS.has(metric)
      ? report.mosaics.map((row) => row[metric as keyof AgreementRow] as number | null).filter((v): v is number => v !== null)
      : [];
    const all = [...rowValues, ...Object.values(groups).flat().flatMap((g) => [g.value ?? NaN, ...(g.ci95 ?? [])])];
    const domain = metricDomain(metric, all);
    const distribution = document.getElementById("plot-distribution")!;
    distribution.replaceChildren(
      ROW_METRICS.has(metric)
        ? histogramPlot(rowValues, domain, `${name} over mosaics`)
        : el("p", { class: "dash-muted" }, `${name} exists only over groups of mosaics.`),
    );
    for (const [grouping, values] of Object.entries(groups)) {
      document.getElementById(`plot-${grouping}`)!.replaceChildren(intervalPlot(values, domain, `${name} per ${grouping}`, grouping === "month"));
    }
  }

  function overall(): void {
    const group = report?.aggregates.overall ?? {};
    fillTable(
      document.getElementById("agreement-overall")!,
      ["Metric", "Value", "95% CI", "Mosaics", "Patients"],
      METRICS.map(({ key, name }) => {
        const estimate = group[key];
        const interval = estimate?.ci95 ? `${formatMetric(key, estimate.ci95[0])} – ${formatMetric(key, estimate.ci95[1])}` : "—";
        return [
          name,
          { text: formatMetric(key, estimate?.value), value: estimate?.value ?? null, key },
          interval,
          estimate?.n ?? 0,
          estimate?.patients ?? 0,
        ] as Cell[];
      }),
    );
  }

  function lowest(): void {
    const rows = (report?.mosaics ?? []).slice(0, LOWEST_SHOWN);
    fillTable(
      document.getElementById("agreement-lowest")!,
      ["Mosaic", "Readers", "Dice", "IoU", "Tile κ", "Lesion F1", "HD95", "Diagnoses agree", ""],
      rows.map((row) => [
        `#${row.mosaic} ${row.name}`,
        row.readers.join(" / "),
        { text: ratio(row.dice), value: row.dice, key: "dice" },
        { text: ratio(row.iou), value: row.iou, key: "iou" },
        { text: ratio(row.tile_kappa), value: row.tile_kappa, key: "tile_kappa" },
        { text: ratio(row.lesion_f1), value: row.lesion_f1, key: "lesion_f1" },
        { text: micrometres(row.hausdorff95_um), value: row.hausdorff95_um, key: "hausdorff95_um" },
        row.diagnosis_agree === null ? "—" : row.diagnosis_agree ? "yes" : "no",
        { node: el("a", { href: mapLink(ctx.boot.urls.mosaicPage, row), "data-map": row.mosaic }, "disagreement map") },
      ]),
      "No mosaic has two submitted reads with agreement computed yet.",
    );
  }

  async function load(): Promise<void> {
    report = await api.get<ProjectAgreement>(withQuery(ctx.boot.urls.agreement, { order: "dice" }));
    const state = [`computed ${when(report.computed_at)}`, `${report.count} mosaic pair(s)`];
    if (report.pending.length) state.push(`${report.pending.length} mosaic(s) pending`);
    if (report.failed.length) state.push(`${report.failed.length} failed`);
    if (report.aggregates_stale) state.push("aggregates out of date");
    document.getElementById("agreement-state")!.textContent = state.join(" · ");
    overall();
    plot();
    lowest();
  }

  select.addEventListener("change", plot);
  document.getElementById("agreement-recompute")!.addEventListener("click", () => {
    api
      .post<{ mosaics_due: number }>(ctx.boot.urls.agreement, {})
      .then((answer) => ctx.say(`Agreement queued for ${answer.mosaics_due} mosaic(s); reload in a moment.`))
      .catch((error) => ctx.say(`Could not queue: ${error instanceof ApiError ? error.message : String(error)}`));
  });
  return load;
}
