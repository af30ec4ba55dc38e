// The chunked-upload transport over the platform's API (fetch, session cookie, CSRF header).

import { PermanentUploadError, isTransient, type UploadState, type UploadTransport } from "./chunked";

function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** The server's reason: "detail" or the first field's message. */
export function reasonOf(body: unknown, status: number): string {
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    if (typeof record.detail === "string") return record.detail;
    for (const [field, value] of Object.entries(record)) {
      return `${field}: ${Array.isArray(value) ? value.join(" ") : String(value)}`;
    }
  }
  return `request failed (${status})`;
}

async function call<T>(method: string, url: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, {
    method,
    body,
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken(), ...headers },
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { detail: text.slice(0, 200) };
  }
  if (!response.ok) {
    const reason = reasonOf(parsed, response.status);
    if (isTransient(response.status)) throw new Error(reason);
    throw new PermanentUploadError(reason, response.status);
  }
  return parsed as T;
}

export function apiTransport(caseId: number): UploadTransport {
  const json = { "Content-Type": "application/json" };
  return {
    create: (filename, size) =>
      call<UploadState>("POST", `/api/cases/${caseId}/uploads/`, JSON.stringify({ filename, size }), json),
    status: (id) => call<UploadState>("GET", `/api/uploads/${id}/`),
    put: (id, start, chunk, total) =>
      call<UploadState>("PUT", `/api/uploads/${id}/`, chunk, {
        "Content-Type": "application/octet-stream",
        "Content-Range": `bytes ${start}-${start + chunk.size - 1}/${total}`,
      }),
    complete: (id) => call<{ id: number }>("POST", `/api/uploads/${id}/complete/`, "{}", json),
    abort: async (id) => {
      await call<UploadState>("DELETE", `/api/uploads/${id}/`);
    },
  };
}
