// The lead's training page (/projects/<slug>/training/): "Start training" posts the
// form to POST /api/projects/{slug}/training-runs/ and opens the new run's page, where
// its curves appear as epochs finish; a refusal (bad input) is shown beside the button.
import { ApiError, api } from "../lib/api";
import type { Schemas } from "../api/types";

type RunRequest = Schemas["RunInputRequest"];
type Run = Schemas["Run"];

const form = document.getElementById("training-form") as HTMLFormElement | null;
if (form) {
  const problem = document.getElementById("training-error");
  const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = new FormData(form);
    const number = (name: string): number => Number(values.get(name));
    const body: RunRequest = {
      labelset: number("labelset"),
      arch: String(values.get("arch") ?? ""),
      kind: values.get("kind") === "detector" ? "detector" : "classifier",
      tile_size: number("tile_size"),
      um_per_px: number("um_per_px"),
      epochs: number("epochs"),
      batch_size: number("batch_size"),
      seed: number("seed"),
    };
    if (button) button.disabled = true;
    if (problem) problem.textContent = "";
    api
      .post<Run>(`/api/projects/${form.dataset.project}/training-runs/`, body)
      .then((run) => window.location.assign(`/training-runs/${run.id}/`))
      .catch((error: unknown) => {
        if (problem) problem.textContent = error instanceof ApiError ? error.message : "the request did not reach the server";
        if (button) button.disabled = false;
      });
  });
}
