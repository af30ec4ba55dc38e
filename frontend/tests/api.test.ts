// The one fetch wrapper (src/lib/api.ts) and the upload transport built on it,
// against a recording stand-in for fetch.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, apiCall, withQuery } from "../src/lib/api";
import { PermanentUploadError } from "../src/upload/chunked";
import { apiTransport } from "../src/upload/http";

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: BodyInit | null | undefined;
  credentials: RequestCredentials | undefined;
}

let sent: Sent[] = [];
let answer: () => Response | Promise<Response> = () => new Response("{}", { status: 200 });

beforeEach(() => {
  sent = [];
  vi.stubGlobal("document", { cookie: "other=1; csrftoken=tok%2Ben" });
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    sent.push({
      url,
      method: init.method ?? "GET",
      headers: { ...(init.headers as Record<string, string>) },
      body: init.body,
      credentials: init.credentials,
    });
    return answer();
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers });

describe("apiCall", () => {
  it("sends JSON with the session cookie and the CSRF token on writes", async () => {
    answer = () => json(200, { id: 3 });
    const result = await api.post<{ id: number }>("/api/x/", { a: 1 });
    expect(result).toEqual({ id: 3 });
    const [request] = sent;
    expect(request.method).toBe("POST");
    expect(request.credentials).toBe("same-origin");
    expect(request.headers["X-CSRFToken"]).toBe("tok+en");
    expect(request.headers["Content-Type"]).toBe("application/json");
    expect(request.body).toBe('{"a":1}');
  });

  it("sends no CSRF token and no body on a read", async () => {
    await api.get("/api/x/");
    expect(sent[0].headers["X-CSRFToken"]).toBeUndefined();
    expect(sent[0].body).toBeUndefined();
    expect(sent[0].headers.Accept).toBe("application/json");
  });

  it("hands back the response headers (the read version of a write)", async () => {
    answer = () => new Response(null, { status: 204, headers: { "X-Read-Version": "8" } });
    const { data, headers } = await apiCall<null>("DELETE", "/api/regions/1/");
    expect(data).toBeNull();
    expect(headers.get("X-Read-Version")).toBe("8");
  });

  it("sends a raw body with its own headers", async () => {
    const chunk = new Blob(["abc"]);
    await apiCall("PUT", "/api/uploads/u/", { raw: chunk, headers: { "Content-Range": "bytes 0-2/3" } });
    expect(sent[0].body).toBe(chunk);
    expect(sent[0].headers["Content-Range"]).toBe("bytes 0-2/3");
    expect(sent[0].headers["Content-Type"]).toBeUndefined();
  });

  it("throws ApiError with the status and the server's reason", async () => {
    answer = () => json(409, { detail: "stale read_version", read_version: 4 });
    const error = await api.patch("/api/reads/1/", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect((error as ApiError).isConflict).toBe(true);
    expect((error as ApiError).message).toBe("stale read_version");
    expect((error as ApiError).body).toEqual({ detail: "stale read_version", read_version: 4 });
  });

  it("names the first field error, or the start of a body that is not JSON", async () => {
    answer = () => json(400, { geometry: ["ring is self-intersecting", "too small"] });
    await expect(api.post("/api/x/", {})).rejects.toThrow("geometry: ring is self-intersecting too small");
    answer = () => new Response("<h1>Bad Gateway</h1>", { status: 502 });
    await expect(api.get("/api/x/")).rejects.toThrow("<h1>Bad Gateway</h1>");
    answer = () => new Response("", { status: 500 });
    await expect(api.get("/api/x/")).rejects.toThrow("request failed (500)");
  });

  it("adds query parameters", () => {
    expect(withQuery("/api/regions/1/", { version: 2, read_version: 5 })).toBe("/api/regions/1/?version=2&read_version=5");
    expect(withQuery("/a/?x=1", { y: "z" })).toBe("/a/?x=1&y=z");
  });
});

describe("upload transport", () => {
  it("creates a session with a JSON body and sends chunks with their byte range", async () => {
    answer = () => json(201, { id: "u1", size: 3, received: 0, status: "receiving", mosaic: null });
    const transport = apiTransport(7);
    await transport.create("m.tif", 3);
    await transport.put("u1", 0, new Blob(["abc"]), 3);
    expect(sent[0]).toMatchObject({ url: "/api/cases/7/uploads/", method: "POST", body: '{"filename":"m.tif","size":3}' });
    expect(sent[1].headers).toMatchObject({
      "Content-Type": "application/octet-stream",
      "Content-Range": "bytes 0-2/3",
      "X-CSRFToken": "tok+en",
    });
  });

  it("turns a refusal the server would repeat into a PermanentUploadError", async () => {
    answer = () => json(413, { detail: "file too large" });
    const error = await apiTransport(1).create("big.tif", 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentUploadError);
    expect((error as PermanentUploadError).status).toBe(413);
    expect((error as PermanentUploadError).message).toBe("file too large");
  });

  it("leaves transient failures retryable", async () => {
    for (const status of [408, 429, 503]) {
      answer = () => json(status, { detail: "busy" });
      const error = await apiTransport(1).status("u1").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).not.toBeInstanceOf(PermanentUploadError);
    }
    answer = () => Promise.reject(new TypeError("network error"));
    await expect(apiTransport(1).status("u1")).rejects.toBeInstanceOf(TypeError);
  });
});
