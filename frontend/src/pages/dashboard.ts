// The lead's dashboard (/projects/{slug}/dashboard/): wires the sections in
// src/dashboard/ to the page. Each section fetches its own numbers from the lead's API;
// data-ready tells tests the first load is done (or "error").
import "../styles/dashboard.css";
import { setUpAgreement } from "../dashboard/agreement";
import { setUpAssignment } from "../dashboard/assignment";
import { showCalibration } from "../dashboard/calibration";
import { showCoverage } from "../dashboard/coverage";
import { setUpLabelSets } from "../dashboard/labelsets";
import { showModels } from "../dashboard/models";
import { showProgress } from "../dashboard/progress";
import type { DashboardBootstrap, DashboardContext } from "../dashboard/types";

const MESSAGE_MS = 8000;

async function main(): Promise<void> {
  const root = document.getElementById("dashboard")!;
  const boot = JSON.parse(document.getElementById("dashboard-data")!.textContent ?? "{}") as DashboardBootstrap;
  const message = document.getElementById("dash-message")!;
  let timer: number | undefined;
  const ctx: DashboardContext = {
    boot,
    say(text) {
      message.textContent = text;
      message.hidden = false;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => (message.hidden = true), MESSAGE_MS);
    },
  };
  const refreshProgress = (): void => void showProgress(ctx).catch((error) => ctx.say(String(error)));
  const loadAssignment = setUpAssignment(ctx, () => {
    refreshProgress();
    void showCoverage(ctx);
  });
  const loadAgreement = setUpAgreement(ctx);
  const loadLabelSets = setUpLabelSets(ctx);
  const results = await Promise.allSettled([
    showProgress(ctx),
    loadAssignment(),
    loadAgreement(),
    showCalibration(ctx),
    showCoverage(ctx),
    loadLabelSets(),
    showModels(ctx),
  ]);
  const failed = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed.length) ctx.say(`Some parts could not load: ${failed.map((f) => String(f.reason)).join("; ")}`);
  root.dataset.ready = failed.length ? "error" : "true";
}

void main();
