// Reading coverage: each reader read's viewed fraction (the share of the mosaic seen at
// diagnostic zoom), below the project's threshold flagged (GET /api/reads/?all=1).
import { api, withQuery } from "../lib/api";
import { el, fillTable, percent } from "./dom";
import type { DashboardContext, ReadPage } from "./types";

const PAGE = 500;

export async function showCoverage(ctx: DashboardContext): Promise<void> {
  const { urls, project, minViewedFraction } = ctx.boot;
  const page = await api.get<ReadPage>(withQuery(urls.reads, { all: 1, project, page_size: PAGE }));
  const reads = page.results.filter((read) => read.kind === "reader");
  document.getElementById("coverage-threshold")!.textContent =
    minViewedFraction > 0 ? `warning below ${percent(minViewedFraction)} viewed` : "no minimum set";
  fillTable(
    document.getElementById("coverage")!,
    ["Read", "Mosaic", "Case", "Reader", "Status", "Viewed"],
    reads.map((read) => {
      const low = minViewedFraction > 0 && read.viewed_fraction < minViewedFraction;
      return [
        { node: el("a", { href: `${urls.readPage}${read.id}/` }, `#${read.id}`) },
        `#${read.mosaic}`,
        read.case_code,
        read.reader ?? "—",
        read.status,
        { node: el("span", { class: low ? "error" : "", "data-value": read.viewed_fraction, "data-read": read.id, title: low ? "below the project's minimum" : "" }, percent(read.viewed_fraction)) },
      ];
    }),
    "No reads yet.",
  );
  if (page.count > reads.length && page.next) {
    document.getElementById("coverage")!.after(el("p", { class: "dash-muted" }, `First ${PAGE} reads shown.`));
  }
}
