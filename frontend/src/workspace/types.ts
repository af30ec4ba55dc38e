// The reading API's objects as the workspace sees them: aliases of the components of
// the API schema, which is the contract (/api/schema/, committed as src/api/openapi.yaml,
// types generated into src/api/schema.d.ts by `make api-client`). A field the schema
// does not declare fails `tsc`. Coordinates are full-resolution mosaic pixels, x right, y down.
import type { Schemas } from "../api/types";
import type { MosaicInfo } from "../viewer/mosaicViewer";
import type { AIBootstrap } from "./ai/types";

export type Position = [number, number];
export type Ring = Position[];
export type PolygonCoords = Ring[];
export type MultiPolygonCoords = PolygonCoords[];

export type Geometry =
  | { type: "Polygon"; coordinates: PolygonCoords }
  | { type: "MultiPolygon"; coordinates: MultiPolygonCoords };

export type Provenance = Schemas["ProvenanceEnum"];

export type BBox = [minX: number, minY: number, maxX: number, maxY: number];

type ServerRegion = Schemas["Region"];

/**
 * A region as the workspace holds it: the API's Region (every field it reads is the
 * schema's), where a shape drawn but not yet saved has no timestamps or area in mm² yet.
 * The generated type loosens GeoJSON's discriminated union and the bbox tuple, and the
 * label is the vocabulary's string; the workspace keeps those precise.
 */
export type Region = Pick<ServerRegion, "id" | "read" | "provenance" | "version" | "area_px"> &
  Partial<Pick<ServerRegion, "area_mm2" | "vertex_count" | "created_at" | "updated_at">> & {
    label: string;
    geometry: Geometry;
    bbox: BBox;
    /**
     * "outline": ``geometry`` is the region's stored low-resolution outline (listed with
     * ``outline=true`` for the first paint), for drawing only; the editor fetches the
     * full geometry before any edit and never sends an outline back. Absent: full.
     */
    detail?: "outline";
  };

export type ReadStatus = Schemas["ReadStatusEnum"];

export type Read = Schemas["Read"];

export type WriteResult = Omit<Schemas["WriteResult"], "created" | "updated"> & { created: Region[]; updated: Region[] };

/** A page of regions (GET …/regions/). */
export type RegionList = Omit<Schemas["RegionList"], "results"> & { results: Region[] };

export type Choice = Schemas["Choice"];
export type LabelChoice = Schemas["LabelChoice"];
export type Vocabulary = Schemas["Vocabulary"];

// One definition of what a page knows about a mosaic: the viewer module's.
export type { MosaicInfo };

/** What the Django view hands the page through json_script. */
export interface WorkspaceBootstrap {
  readId: number;
  mosaic: MosaicInfo;
  canEdit: boolean;
  isLead: boolean;
  caseCode: string;
  /** The AI layer's protocol and URLs (src/workspace/ai/). */
  ai?: AIBootstrap;
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
