// The lead's API objects as the dashboard reads them: aliases of the generated schema.
import type { Schemas } from "../api/types";

export type Progress = Schemas["Progress"];
export type AssignmentOverview = Schemas["AssignmentOverview"];
export type AssignmentRequest = Schemas["AssignmentInputRequest"];
export type AssignmentResult = Schemas["AssignmentResult"];
export type ProjectAgreement = Schemas["ProjectAgreement"];
export type AgreementRow = Schemas["AgreementRow"];
export type GroupAgreement = Schemas["GroupAgreement"];
export type ProjectCalibration = Schemas["ProjectCalibration"];
export type LabelSet = Schemas["LabelSet"];
export type LabelSetRequest = Schemas["LabelSetInputRequest"];
export type Retraining = Schemas["Retraining"];
export type Cycle = Schemas["Cycle"];
export type ReadPage = Schemas["PaginatedReadList"];

/** What the page's json_script tag holds (annotations/views/dashboard_pages.py). */
export interface DashboardBootstrap {
  project: string;
  minViewedFraction: number;
  urls: {
    progress: string;
    assignment: string;
    agreement: string;
    calibration: string;
    labelsets: string;
    reads: string;
    mosaicPage: string;
    readPage: string;
    labelsetBase: string;
    retraining: string;
    trainingPage: string;
    modelPage: string;
  };
}

/** What every section gets: the bootstrap and one place to tell the lead something. */
export interface DashboardContext {
  boot: DashboardBootstrap;
  say(text: string): void;
}
