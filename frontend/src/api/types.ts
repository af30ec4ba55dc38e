// The API's objects as the frontend uses them: aliases of the components generated
// from the backend's OpenAPI schema (schema.d.ts, from openapi.yaml; `make api-client`).
// That schema is the API contract: a client that reads or sends a field the schema
// does not have fails `tsc`, and the suite fails when schema.d.ts is not what the
// backend produces (tests/test_api_client_contract.py). Never edit schema.d.ts.
import type { components } from "./schema";

export type Schemas = components["schemas"];

// --- cases, mosaics and uploads -------------------------------------------------
export type Mosaic = Schemas["Mosaic"];
export type UploadSession = Schemas["UploadSession"];
export type UploadCreateRequest = Schemas["UploadCreateRequest"];

// --- request bodies of the reading API ------------------------------------------
// (Its responses are aliased for the workspace in src/workspace/types.ts.)
export type RegionAddRequest = Schemas["RegionAddInputRequest"];
export type RegionUpdateRequest = Schemas["PatchedRegionUpdateInputRequest"];
export type EraseRequest = Schemas["EraseInputRequest"];
export type ReadFieldsRequest = Schemas["PatchedReadFieldsInputRequest"];
export type SubmitRequest = Schemas["ReadSubmitInputRequest"];

// --- the AI layer (pre-annotation runs, suggestions, decisions; inference/api) ----
export type PredictionRun = Schemas["PredictionRun"];
export type Suggestion = Schemas["Suggestion"];
export type SuggestionAcceptRequest = Schemas["AcceptInputRequest"];
export type SuggestionEditRequest = Schemas["EditInputRequest"];
export type SuggestionRejectRequest = Schemas["RejectInputRequest"];
export type SuggestionAreaRequest = Schemas["AreaDecisionInputRequest"];
export type SuggestionAcceptResult = Schemas["AcceptResult"];
export type SuggestionRejectResult = Schemas["RejectResult"];
export type SuggestionAreaResult = Schemas["AreaResult"];
export type AIInfluence = Schemas["AIInfluence"];
