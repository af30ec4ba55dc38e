// Assignment from the page: the mosaics still missing reads, the project's readers with
// their load; assign the chosen mosaics to the chosen readers, or balance automatically
// (POST assignment/; the server decides and reports each mosaic it could not assign).
import { api, ApiError } from "../lib/api";
import { el, fillTable } from "./dom";
import type { AssignmentOverview, AssignmentRequest, AssignmentResult, DashboardContext } from "./types";

export function setUpAssignment(ctx: DashboardContext, onAssigned: () => void): () => Promise<void> {
  const mosaicTable = document.getElementById("assign-mosaics")!;
  const readerList = document.getElementById("assign-readers")!;
  const result = document.getElementById("assign-result")!;
  const all = document.getElementById("assign-all") as HTMLInputElement;
  const chosenButton = document.getElementById("assign-chosen") as HTMLButtonElement;
  const autoButton = document.getElementById("assign-auto") as HTMLButtonElement;

  const checked = (root: HTMLElement): string[] =>
    [...root.querySelectorAll<HTMLInputElement>("input[type=checkbox]:checked")].map((box) => box.value);

  async function load(): Promise<void> {
    const overview = await api.get<AssignmentOverview>(ctx.boot.urls.assignment);
    document.getElementById("assign-count")!.textContent =
      `${overview.count} mosaic(s) missing reads · ${overview.readers_per_mosaic} readers per mosaic`;
    all.checked = false;
    fillTable(
      mosaicTable,
      ["", "Mosaic", "Case", "Center", "Readers", "Missing"],
      overview.mosaics.map((mosaic) => [
        { node: el("input", { type: "checkbox", value: mosaic.id, "aria-label": `mosaic ${mosaic.name}`, "data-mosaic": mosaic.id }) },
        `#${mosaic.id} ${mosaic.name}`,
        mosaic.case_code,
        mosaic.center,
        mosaic.readers.join(", ") || "—",
        { text: String(mosaic.missing), value: mosaic.missing, key: "missing" },
      ]),
      "Every ready mosaic has its readers.",
    );
    const chosen = new Set(checked(readerList));
    readerList.replaceChildren(
      ...overview.readers.map((reader) =>
        el(
          "li",
          {},
          el(
            "label",
            { class: "dash-check" },
            el("input", { type: "checkbox", value: reader.username, "data-reader": reader.username, checked: chosen.has(reader.username) }),
            ` ${reader.username} `,
            el("span", { class: "dash-muted", "data-open-reads": reader.open_reads }, `(${reader.open_reads} open, ${reader.all_reads} in all)`),
          ),
        ),
      ),
    );
    if (overview.readers.length === 0) readerList.append(el("li", { class: "dash-muted" }, "The project has no readers."));
  }

  async function assign(auto: boolean): Promise<void> {
    const mosaics = checked(mosaicTable).map(Number);
    const readers = checked(readerList);
    if (mosaics.length === 0) return ctx.say("Choose the mosaics to assign first.");
    if (!auto && readers.length === 0) return ctx.say("Choose the readers, or balance automatically.");
    const body: AssignmentRequest = { mosaics, auto, ...(readers.length ? { readers } : {}) };
    chosenButton.disabled = autoButton.disabled = true;
    try {
      const outcome = await api.post<AssignmentResult>(ctx.boot.urls.assignment, body);
      result.replaceChildren(
        ...outcome.assigned.map((row) => el("li", { class: "dash-ok", "data-assigned": row.mosaic }, `#${row.mosaic} → ${row.readers.join(", ")}`)),
        ...outcome.failed.map((row) => el("li", { class: "error", "data-failed": row.mosaic }, `#${row.mosaic}: ${row.reason}`)),
      );
      await load();
      onAssigned();
    } catch (error) {
      ctx.say(`Assignment failed: ${error instanceof ApiError ? error.message : String(error)}`);
    } finally {
      chosenButton.disabled = autoButton.disabled = false;
    }
  }

  all.addEventListener("change", () => {
    for (const box of mosaicTable.querySelectorAll<HTMLInputElement>("input[type=checkbox]")) box.checked = all.checked;
  });
  chosenButton.addEventListener("click", () => void assign(false));
  autoButton.addEventListener("click", () => void assign(true));
  return load;
}
