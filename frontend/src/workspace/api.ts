// JSON calls to the platform's API with the session's CSRF token.
// Errors carry the status and body so callers can tell a conflict (409) from bad input.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(ApiError.describe(status, body));
  }

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

function csrfToken(): string {
  if (typeof document === "undefined") return ""; // outside a browser (unit tests)
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** The parsed body and the response headers (some writes report the read version in X-Read-Version). */
export async function apiCall<T>(method: string, url: string, body?: unknown): Promise<{ data: T; headers: Headers }> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { detail: text.slice(0, 200) };
    }
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return { data: parsed as T, headers: response.headers };
}

export async function apiRequest<T>(method: string, url: string, body?: unknown): Promise<T> {
  return (await apiCall<T>(method, url, body)).data;
}

export const api = {
  get: <T>(url: string) => apiRequest<T>("GET", url),
  post: <T>(url: string, body: unknown) => apiRequest<T>("POST", url, body),
  patch: <T>(url: string, body: unknown) => apiRequest<T>("PATCH", url, body),
  put: <T>(url: string, body: unknown) => apiRequest<T>("PUT", url, body),
  delete: <T>(url: string) => apiRequest<T>("DELETE", url),
};

/** ``url`` with query parameters added. */
export function withQuery(url: string, params: Record<string, string | number>): string {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return `${url}${url.includes("?") ? "&" : "?"}${query}`;
}
