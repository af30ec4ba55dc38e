// The reading API's objects as the workspace sees them (see the reading API contract).
// Coordinates are full-resolution mosaic pixels, x right, y down.
import type { MosaicInfo } from "../viewer/mosaicViewer";

export type Position = [number, number];
export type Ring = Position[];
export type PolygonCoords = Ring[];
export type MultiPolygonCoords = PolygonCoords[];

export type Geometry =
  | { type: "Polygon"; coordinates: PolygonCoords }
  | { type: "MultiPolygon"; coordinates: MultiPolygonCoords };

export type Provenance = "manual" | "ai_accepted" | "ai_edited";

export type BBox = [minX: number, minY: number, maxX: number, maxY: number];

export interface Region {
  id: number;
  read: number;
  label: string;
  geometry: Geometry;
  provenance: Provenance;
  version: number;
  area_px: number;
  area_mm2?: number;
  bbox: BBox;
  vertex_count?: number;
}

export type ReadStatus = "assigned" | "in_progress" | "submitted";

export interface Read {
  id: number;
  mosaic: number;
  case_code?: string;
  reader: string | null;
  status: ReadStatus;
  diagnosis: string;
  confidence: number | null;
  note: string;
  no_suspicious_area: boolean;
  version: number;
  region_count?: number;
  can_edit: boolean;
}

export interface WriteResult {
  read_version: number;
  created: Region[];
  updated: Region[];
  deleted: number[];
}

export interface Choice {
  value: string;
  label: string;
}

export interface LabelChoice extends Choice {
  colour: string;
}

export interface Vocabulary {
  diagnoses: Choice[];
  labels: LabelChoice[];
  provenances: Choice[];
}

// One definition of what a page knows about a mosaic: the viewer module's.
export type { MosaicInfo };

/** What the Django view hands the page through json_script. */
export interface WorkspaceBootstrap {
  readId: number;
  mosaic: MosaicInfo;
  canEdit: boolean;
  isLead: boolean;
  caseCode: string;
  urls: {
    vocabulary: string;
    read: string;
    regions: string;
    erase: string;
    submit: string;
    mosaicReads: string;
    regionBase: string; // "/api/regions/" — a region's URL is regionBase + id + "/"
    readBase: string; // "/api/reads/" — another read's URL is readBase + id + "/"
    worklist: string;
    nextRead: string | null;
  };
}
