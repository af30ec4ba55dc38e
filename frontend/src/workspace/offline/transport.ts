// Sends one edit to the reading API with the read version of the chain; answers the
// result and the read version after it.
import type { RegionUpdateRequest, Schemas } from "../../api/types";
import { api, apiCall, withQuery } from "../../lib/api";
import type { DecisionResult } from "../ai/types";
import type { Read, Region, WriteResult } from "../types";
import type { Edit, EditResults } from "./edits";

export interface EditUrls {
  regions: string;
  erase: string;
  /** "/api/regions/": a region's URL is regionBase + id + "/". */
  regionBase: string;
  read: string;
  submit: string;
}

export type Sent<R = unknown> = { result: R; readVersion: number };
export type Sender = (edit: Edit, readVersion: number) => Promise<Sent>;

/** A region the page no longer holds (deleted elsewhere): its edit cannot be sent. */
export class RegionGone extends Error {
  constructor(id: number) {
    super(`region ${id} is no longer there; reload the page`);
  }
}

/**
 * The sender for one read. ``regionVersion`` is the page's version of a region at
 * send time: an edit waiting behind another edit of the same region gets the version
 * that one produced.
 */
export function editSender(urls: EditUrls, regionVersion: (id: number) => number | undefined): Sender {
  const versionOf = (id: number): number => {
    const version = regionVersion(id);
    if (version === undefined) throw new RegionGone(id);
    return version;
  };
  return async (edit, readVersion): Promise<Sent<EditResults[typeof edit.kind]>> => {
    switch (edit.kind) {
      case "add":
      case "erase": {
        const url = edit.kind === "add" ? urls.regions : urls.erase;
        const data = await api.post<WriteResult>(url, { ...edit.body, read_version: readVersion });
        return { result: data, readVersion: data.read_version };
      }
      case "update": {
        const body: RegionUpdateRequest = { ...edit.changes, version: versionOf(edit.regionId), read_version: readVersion };
        const { data, headers } = await apiCall<Region>("PATCH", `${urls.regionBase}${edit.regionId}/`, { json: body });
        // Every region write bumps the read's version by one (the API schema, frontend/src/api/openapi.yaml).
        return { result: data, readVersion: Number(headers.get("X-Read-Version") ?? readVersion + 1) };
      }
      case "delete": {
        const url = withQuery(`${urls.regionBase}${edit.regionId}/`, { version: versionOf(edit.regionId), read_version: readVersion });
        const { headers } = await apiCall<null>("DELETE", url);
        return { result: null, readVersion: Number(headers.get("X-Read-Version") ?? readVersion + 1) };
      }
      case "fields":
      case "submit": {
        const body = edit.kind === "fields" ? edit.values : edit.body;
        const url = edit.kind === "fields" ? urls.read : urls.submit;
        const read =
          edit.kind === "fields"
            ? await api.patch<Read>(url, { ...body, read_version: readVersion })
            : await api.post<Read>(url, { ...body, read_version: readVersion });
        return { result: read, readVersion: read.version };
      }
      case "adjudicate": {
        const detail = await api.post<Schemas["Adjudication"]>(edit.url, { ...edit.body, read_version: readVersion });
        return { result: detail, readVersion: detail.read_version };
      }
      case "suggestion": {
        // A rejection leaves the read's version as it was; an acceptance bumps it (both answer it).
        const decided = await api.post<DecisionResult>(edit.url, { ...edit.body, read_version: readVersion });
        return { result: decided, readVersion: decided.read_version };
      }
    }
  };
}
