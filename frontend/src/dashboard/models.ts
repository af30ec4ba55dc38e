// Models and retraining: the project's active model(s), the retraining policy and the
// last cycles with what each came to (GET retraining/); the training page does the rest.
import { api } from "../lib/api";
import { el, fillTable, when } from "./dom";
import type { Cycle, DashboardContext, Retraining } from "./types";

const CYCLES_SHOWN = 5;

/** A cycle's result in a few words: the gate's decision, or why it failed. */
export function cycleResult(cycle: Cycle): string {
  if (cycle.status === "running") return "running";
  if (cycle.status === "failed") return "failed";
  if (cycle.promoted === true) return "promoted the new model";
  if (cycle.promoted === false) return "kept the active model";
  return "finished";
}

export async function showModels(ctx: DashboardContext): Promise<void> {
  const state = await api.get<Retraining>(ctx.boot.urls.retraining);
  const list = document.getElementById("active-models")!;
  list.replaceChildren(
    ...state.active_models.map((model) =>
      el("li", {}, el("a", { href: `${ctx.boot.urls.modelPage}${model.id}/`, "data-model": model.id }, model.name),
        ` (${model.kind})`),
    ),
  );
  if (!state.active_models.length) list.append(el("li", { class: "dash-muted" }, "No active model yet."));
  const policy = state.policy;
  document.getElementById("retraining-policy")!.textContent = policy.retrain_enabled
    ? `Retraining on: a cycle once ${policy.min_new_reads} new read(s) are in; ${state.new_reads} since the last snapshot.`
    : `Retraining off (threshold ${policy.min_new_reads} new reads); ${state.new_reads} since the last snapshot.`;
  fillTable(
    document.getElementById("retraining-cycles")!,
    ["Started", "Finished", "New reads", "Result", "Details"],
    state.cycles.slice(0, CYCLES_SHOWN).map((cycle) => [
      when(cycle.started_at),
      when(cycle.finished_at),
      cycle.new_reads,
      { text: cycleResult(cycle), key: "result" },
      cycle.outcome,
    ]),
    "No retraining cycle yet.",
  );
}
