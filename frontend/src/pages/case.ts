// The case page: chunked, resumable upload with a progress bar, live ingest status of the mosaics,
// and live progress of their AI pre-annotation runs (each model's; a failed run says why).

import type { PredictionRun } from "../api/types";
import { api } from "../lib/api";
import { PermanentUploadError, UploadCancelled, uploadFile } from "../upload/chunked";
import { apiTransport } from "../upload/http";
import { describeStatus, formatBytes, isSettled, resumeKey, type MosaicStatus } from "../upload/status";

interface CasePage {
  caseId: number;
  canUpload: boolean;
  maxUploadBytes: number;
}

const POLL_MS = 2000;
const page = JSON.parse(document.getElementById("case-page")?.textContent ?? "{}") as CasePage;

function statusCell(row: HTMLElement, mosaic: MosaicStatus): void {
  const cell = row.querySelector<HTMLElement>(".mosaic-status");
  if (!cell) return;
  cell.replaceChildren();
  const label = document.createElement("span");
  label.className = `status status-${mosaic.status}`;
  label.textContent = describeStatus(mosaic);
  if (mosaic.status === "failed") label.setAttribute("role", "alert");
  cell.append(label);
  if (!isSettled(mosaic)) {
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = mosaic.progress;
    cell.append(" ", bar);
  }
  row.dataset.status = mosaic.status;
}

async function poll(): Promise<void> {
  const rows = [...document.querySelectorAll<HTMLElement>("#mosaic-table tr[data-mosaic-id]")].filter(
    (row) => !isSettled({ status: row.dataset.status as MosaicStatus["status"] }),
  );
  let reload = false;
  for (const row of rows) {
    try {
      const mosaic = await api.get<MosaicStatus>(`/api/mosaics/${row.dataset.mosaicId}/`);
      statusCell(row, mosaic);
      reload ||= mosaic.status === "ready"; // the row gains its size and viewer link
    } catch {
      // A missed poll (a refusal or the network) is retried on the next tick.
    }
  }
  if (reload) window.location.reload();
  else if (rows.length) window.setTimeout(poll, POLL_MS);
window.setTimeout(pollRuns, POLL_MS);
}

const RUN_PENDING = new Set<PredictionRun["status"]>(["queued", "running"]);

function runLine(run: PredictionRun): HTMLElement {
  const line = document.createElement("div");
  line.className = "ai-run";
  line.dataset.runId = String(run.id);
  line.dataset.status = run.status;
  const model = document.createElement("span");
  model.className = "run-model";
  model.textContent = run.model_name;
  const label = document.createElement("span");
  label.className = `status status-${run.status}`;
  label.textContent = run.status.charAt(0).toUpperCase() + run.status.slice(1);
  line.append(model, " ", label);
  if (RUN_PENDING.has(run.status)) {
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = run.progress;
    line.append(" ", bar);
  } else if (run.status === "done") {
    const result = document.createElement("span");
    result.className = "run-result";
    const count = run.suggestion_count;
    result.textContent = `score ${run.score?.toFixed(3) ?? "—"} · ${count} suggestion${count === 1 ? "" : "s"}`;
    line.append(" ", result);
  } else if (run.status === "failed") {
    const problem = document.createElement("span");
    problem.className = "problem";
    problem.setAttribute("role", "alert");
    problem.textContent = run.error;
    line.append(" ", problem);
  }
  return line;
}

async function pollRuns(): Promise<void> {
  const rows = [...document.querySelectorAll<HTMLElement>("#mosaic-table tr[data-mosaic-id]")].filter((row) =>
    [...row.querySelectorAll<HTMLElement>(".ai-run")].some((run) =>
      RUN_PENDING.has(run.dataset.status as PredictionRun["status"]),
    ),
  );
  for (const row of rows) {
    try {
      const runs = await api.get<PredictionRun[]>(`/api/mosaics/${row.dataset.mosaicId}/predictions/`);
      row.querySelector<HTMLElement>(".ai-runs")?.replaceChildren(...runs.map(runLine));
    } catch {
      // A missed poll is retried on the next tick.
    }
  }
  if (rows.length) window.setTimeout(pollRuns, POLL_MS);
}

function setUpUpload(): void {
  const form = document.getElementById("upload-form") as HTMLFormElement | null;
  const input = document.getElementById("upload-file") as HTMLInputElement | null;
  const bar = document.getElementById("upload-progress") as HTMLProgressElement | null;
  const message = document.getElementById("upload-message");
  const cancel = document.getElementById("upload-cancel") as HTMLButtonElement | null;
  const start = document.getElementById("upload-start") as HTMLButtonElement | null;
  if (!form || !input || !bar || !message || !cancel || !start) return;
  let controller: AbortController | null = null;

  cancel.addEventListener("click", () => controller?.abort());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = input.files?.[0];
    if (!file) return;
    if (file.size > page.maxUploadBytes) {
      message.textContent = `${file.name} is ${formatBytes(file.size)}, above the limit of ${formatBytes(page.maxUploadBytes)}.`;
      return;
    }
    const key = resumeKey(page.caseId, file);
    controller = new AbortController();
    bar.hidden = false;
    cancel.hidden = false;
    start.disabled = true;
    message.textContent = `Uploading ${file.name}…`;
    try {
      const mosaicId = await uploadFile(file, apiTransport(page.caseId), {
        resumeId: localStorage.getItem(key),
        onSession: (id) => localStorage.setItem(key, id),
        onProgress: (received, total) => {
          bar.value = total ? (100 * received) / total : 100;
          message.textContent = `Uploading ${file.name}: ${formatBytes(received)} of ${formatBytes(total)}`;
        },
        signal: controller.signal,
      });
      localStorage.removeItem(key);
      message.textContent = `Uploaded; mosaic #${mosaicId} is being ingested.`;
      window.location.reload();
    } catch (error) {
      if (error instanceof PermanentUploadError) localStorage.removeItem(key);
      message.textContent =
        error instanceof UploadCancelled
          ? "Upload paused; choose the same file again to resume."
          : `Upload failed: ${(error as Error).message}`;
    } finally {
      cancel.hidden = true;
      start.disabled = false;
    }
  });
}

if (page.canUpload) setUpUpload();
window.setTimeout(poll, POLL_MS);
window.setTimeout(pollRuns, POLL_MS);
