// An unsaved edit as data: what the workspace keeps in IndexedDB until the server
// has it. Each edit is a request body of the reading API (the generated types) less
// the versions, which are only known when it is sent: ``read_version`` is the
// version the previous edit produced (the chain), and a region's ``version`` is the
// one the page holds for it at that moment.
import type {
  EraseRequest,
  Schemas,
  ReadFieldsRequest,
  RegionAddRequest,
  RegionUpdateRequest,
  SubmitRequest,
} from "../../api/types";
import type { DecisionBody, DecisionResult } from "../ai/types";
import type { Read, Region, WriteResult } from "../types";

type Unversioned<T> = Omit<T, "read_version" | "version">;

export type Edit =
  | { kind: "add"; body: Unversioned<RegionAddRequest> }
  | { kind: "erase"; body: Unversioned<EraseRequest> }
  | { kind: "update"; regionId: number; changes: Unversioned<RegionUpdateRequest> }
  | { kind: "delete"; regionId: number }
  | { kind: "fields"; values: Unversioned<ReadFieldsRequest> }
  | { kind: "submit"; body: Unversioned<SubmitRequest> }
  // A lead's decision on a consensus read (src/workspace/adjudication/): ``url`` is the read's adjudication endpoint.
  | { kind: "adjudicate"; url: string; body: Unversioned<Schemas["DecisionInputRequest"]> }
  // A reader's decision on AI suggestions (src/workspace/ai/): ``url`` is the accept / edit / reject / area endpoint.
  | { kind: "suggestion"; url: string; body: DecisionBody };

export type EditKind = Edit["kind"];

/** What the server answers to each kind of edit. */
export interface EditResults {
  add: WriteResult;
  erase: WriteResult;
  update: Region;
  delete: null;
  fields: Read;
  submit: Read;
  adjudicate: Schemas["Adjudication"];
  suggestion: DecisionResult;
}

export type ResultOf<E extends Edit> = EditResults[E["kind"]];

/** An edit as kept in IndexedDB: ``seq`` orders the edits of one read; ``page``: the page sending it. */
export interface StoredEdit {
  seq: number;
  readId: number;
  page: string;
  edit: Edit;
}

/** What is kept for one read: its edits in order and the read version the first is sent with. */
export interface StoredRead {
  readVersion: number | null;
  edits: StoredEdit[];
}
