// The one way a page calls the platform's API: fetch with the session cookie and,
// on writes, Django's CSRF header; the answer parsed as JSON; a refusal thrown as
// ApiError with the status and the server's body, so each caller decides what it
// means (the workspace stops saving on a 409, the upload retries transient errors).
// A network failure rejects with fetch's own TypeError (no status: always transient).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(ApiError.describe(status, body));
  }

  /** Another tab or reader changed the record first (optimistic locking). */
  get isConflict(): boolean {
    return this.status === 409;
  }

  /** The server's words: "detail" or the first field error, else the status. */
  static describe(status: number, body: unknown): string {
    if (body && typeof body === "object") {
      const record = body as Record<string, unknown>;
      if (typeof record.detail === "string") return record.detail;
      for (const [field, value] of Object.entries(record)) {
        const text = Array.isArray(value) ? value.join(" ") : String(value);
        return `${field}: ${text}`;
      }
    }
    return `request failed (${status})`;
  }
}

/** Django's CSRF token from its cookie; empty outside a browser (unit tests). */
export function csrfToken(): string {
  if (typeof document === "undefined") return "";
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** What to send: a JSON value, or a raw body (a file chunk) with its own headers. */
export type RequestBody = { json: unknown } | { raw: BodyInit; headers?: Record<string, string> };

export interface ApiResponse<T> {
  data: T;
  /** Some writes report the read's new version in X-Read-Version. */
  headers: Headers;
}

/** A body that is not JSON (an HTML error page from a proxy) becomes {detail: its start}. */
function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
}

/** Calls the API; resolves with the parsed body and headers, rejects with ApiError on a non-2xx answer. */
export async function apiCall<T>(method: string, url: string, body?: RequestBody): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (!SAFE_METHODS.has(method)) headers["X-CSRFToken"] = csrfToken();
  let payload: BodyInit | undefined;
  if (body && "json" in body) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body.json);
  } else if (body) {
    Object.assign(headers, body.headers);
    payload = body.raw;
  }
  const response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  const parsed = parseBody(await response.text());
  if (!response.ok) throw new ApiError(response.status, parsed);
  return { data: parsed as T, headers: response.headers };
}

async function jsonCall<T>(method: string, url: string, json?: unknown): Promise<T> {
  return (await apiCall<T>(method, url, json === undefined ? undefined : { json })).data;
}

/** JSON calls that only need the body. */
export const api = {
  get: <T>(url: string) => jsonCall<T>("GET", url),
  post: <T>(url: string, body: unknown) => jsonCall<T>("POST", url, body),
  patch: <T>(url: string, body: unknown) => jsonCall<T>("PATCH", url, body),
  put: <T>(url: string, body: unknown) => jsonCall<T>("PUT", url, body),
  delete: <T>(url: string) => jsonCall<T>("DELETE", url),
};

/** ``url`` with query parameters added. */
export function withQuery(url: string, params: Record<string, string | number>): string {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return `${url}${url.includes("?") ? "&" : "?"}${query}`;
}
