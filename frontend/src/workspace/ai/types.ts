// The AI layer's objects: aliases of the API schema's components (src/api/schema.d.ts),
// and what the workspace view hands the page about it (annotations/views/reading_pages.py).
import type { Schemas } from "../../api/types";

export type PredictionRun = Schemas["PredictionRun"];
export type Suggestion = Schemas["Suggestion"];
export type AcceptResult = Schemas["AcceptResult"];
export type RejectResult = Schemas["RejectResult"];
export type AreaResult = Schemas["AreaResult"];
export type AIProtocol = "never" | "from_start" | "unaided_then_aided";

/** The request bodies of the decision endpoints, less the read version (the outbox adds it). */
export type DecisionBody =
  | Omit<Schemas["AcceptInputRequest"], "read_version">
  | Omit<Schemas["EditInputRequest"], "read_version">
  | Omit<Schemas["RejectInputRequest"], "read_version">
  | Omit<Schemas["AreaDecisionInputRequest"], "read_version">;

/** Whatever a decision endpoint answers: every answer carries the read's version after it. */
export type DecisionResult = AcceptResult | RejectResult | AreaResult;

export interface AIBootstrap {
  protocol: AIProtocol;
  predictions: string;
  suggestions: string;
  heatmap: string;
  /** POST: start (or find) the aided read of this (unaided) read. */
  aided: string;
  /** POST: accept / reject every suggestion inside a drawn area. */
  area: string;
  /** "/api/reads/{read}/suggestions/": + "{id}/accept/", "{id}/edit/", "{id}/reject/". */
  decisionBase: string;
  /** "/reads/": another read's workspace is workspaceBase + id + "/". */
  workspaceBase: string;
}
