// Label sets: export a snapshot (POST labelsets/ → building; a worker writes it) and the
// project's snapshots with their versions, newest first; refreshed while one is building.
import { api, ApiError } from "../lib/api";
import { el, fillTable, when } from "./dom";
import type { DashboardContext, LabelSet, LabelSetRequest } from "./types";

const POLL_MS = 3000;

export function setUpLabelSets(ctx: DashboardContext): () => Promise<void> {
  const button = document.getElementById("labelset-export") as HTMLButtonElement;
  const policy = document.getElementById("labelset-policy") as HTMLSelectElement;
  let timer: number | undefined;

  async function load(): Promise<void> {
    const sets = await api.get<LabelSet[]>(ctx.boot.urls.labelsets);
    fillTable(
      document.getElementById("labelsets")!,
      ["Version", "Policy", "Status", "Mosaics", "Regions", "Patients", "Splits", "Created", "Manifest SHA-256"],
      sets.map((set) => [
        { text: `v${set.version}`, value: set.version, key: "version" },
        set.policy,
        { node: el("span", { class: `status status-${set.status}`, "data-labelset": set.id, title: set.failure_reason }, set.status) },
        set.mosaic_count,
        set.region_count,
        set.patient_count,
        Object.entries(set.split_counts).map(([split, n]) => `${split} ${n}`).join(" · ") || "—",
        `${when(set.created_at)}${set.created_by ? ` by ${set.created_by}` : ""}`,
        { node: el("code", { title: set.manifest_sha256 }, set.manifest_sha256 ? `${set.manifest_sha256.slice(0, 12)}…` : "—") },
      ]),
      "No label set exported yet.",
    );
    window.clearTimeout(timer);
    if (sets.some((set) => set.status === "building")) timer = window.setTimeout(() => void load(), POLL_MS);
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const body: LabelSetRequest = { policy: policy.value };
      const created = await api.post<LabelSet>(ctx.boot.urls.labelsets, body);
      ctx.say(`Label set v${created.version} is being written.`);
      await load();
    } catch (error) {
      ctx.say(`Export failed: ${error instanceof ApiError ? error.message : String(error)}`);
    } finally {
      button.disabled = false;
    }
  });
  return load;
}
