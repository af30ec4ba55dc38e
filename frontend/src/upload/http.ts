// The chunked-upload transport over the platform's API (src/lib/api.ts: session
// cookie, CSRF header, the server's reason on a refusal). What it adds: a refusal
// the server would repeat (4xx other than 408/429) becomes a PermanentUploadError,
// so the uploader stops; a transient one (5xx, 408, 429, a network error) is
// rethrown as it is, and the uploader retries it.

import type { Mosaic, UploadCreateRequest } from "../api/types";
import { ApiError, apiCall, type RequestBody } from "../lib/api";
import { PermanentUploadError, isTransient, type UploadState, type UploadTransport } from "./chunked";

async function call<T>(method: string, url: string, body?: RequestBody): Promise<T> {
  try {
    return (await apiCall<T>(method, url, body)).data;
  } catch (error) {
    if (error instanceof ApiError && !isTransient(error.status)) {
      throw new PermanentUploadError(error.message, error.status);
    }
    throw error;
  }
}

export function apiTransport(caseId: number): UploadTransport {
  return {
    create: (filename, size) =>
      call<UploadState>("POST", `/api/cases/${caseId}/uploads/`, { json: { filename, size } satisfies UploadCreateRequest }),
    status: (id) => call<UploadState>("GET", `/api/uploads/${id}/`),
    put: (id, start, chunk, total) =>
      call<UploadState>("PUT", `/api/uploads/${id}/`, {
        raw: chunk,
        headers: {
          "Content-Type": "application/octet-stream",
          "Content-Range": `bytes ${start}-${start + chunk.size - 1}/${total}`,
        },
      }),
    complete: (id) => call<Mosaic>("POST", `/api/uploads/${id}/complete/`, { json: {} }),
    abort: async (id) => {
      await call<UploadState>("DELETE", `/api/uploads/${id}/`);
    },
  };
}
