// The editor against a small in-memory stand-in of the reading API (same rules:
// read_version, region versions, merge with same-label touching regions, erase).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Editor } from "../src/workspace/editor";
import { difference, geometriesTouch, geometryArea, geometryBBox, union } from "../src/workspace/geometry";
import { SaveQueue } from "../src/workspace/saveQueue";
import type { Geometry, Region } from "../src/workspace/types";

function square(x: number, y: number, size: number): Geometry {
  return { type: "Polygon", coordinates: [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]] };
}

class FakeReadingApi {
  regions = new Map<number, Region>();
  readVersion = 1;
  nextId = 1;
  failNext: { status: number; body: unknown } | null = null;

  add(label: string, geometry: Geometry): Region {
    const region = this.region(this.nextId++, label, geometry, 1);
    this.regions.set(region.id, region);
    return region;
  }

  private region(id: number, label: string, geometry: Geometry, version: number): Region {
    return { id, read: 1, label, geometry, provenance: "manual", version, area_px: geometryArea(geometry), bbox: geometryBBox(geometry) };
  }

  private json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
    return new Response(body === null ? null : JSON.stringify(body), { status, headers });
  }

  handle = async (url: string, init: RequestInit = {}): Promise<Response> => {
    if (this.failNext) {
      const { status, body } = this.failNext;
      this.failNext = null;
      return this.json(status, body);
    }
    const method = init.method ?? "GET";
    const body = init.body ? JSON.parse(String(init.body)) : {};
    const query = new URL(url, "http://x").searchParams;
    const sentVersion = body.read_version ?? Number(query.get("read_version"));
    if (method !== "GET" && sentVersion !== this.readVersion) return this.json(409, { detail: "stale", read_version: this.readVersion });
    if (method === "POST" && url.endsWith("/regions/")) {
      const touched = body.merge ? [...this.regions.values()].filter((r) => r.label === body.label && geometriesTouch(r.geometry, body.geometry)) : [];
      this.readVersion++;
      if (!touched.length) {
        const created = this.add(body.label, body.geometry);
        return this.json(201, { read_version: this.readVersion, created: [created], updated: [], deleted: [] });
      }
      touched.sort((a, b) => b.area_px - a.area_px);
      const [keep, ...rest] = touched;
      const merged = this.region(keep.id, keep.label, union(body.geometry, ...touched.map((r) => r.geometry))!, keep.version + 1);
      this.regions.set(keep.id, merged);
      for (const r of rest) this.regions.delete(r.id);
      return this.json(201, { read_version: this.readVersion, created: [], updated: [merged], deleted: rest.map((r) => r.id) });
    }
    if (method === "POST" && url.endsWith("/erase/")) {
      const updated: Region[] = [];
      const deleted: number[] = [];
      for (const r of [...this.regions.values()]) {
        if (!geometriesTouch(r.geometry, body.geometry)) continue;
        const rest = difference(r.geometry, body.geometry);
        if (rest === null) {
          this.regions.delete(r.id);
          deleted.push(r.id);
        } else {
          const next = this.region(r.id, r.label, rest, r.version + 1);
          this.regions.set(r.id, next);
          updated.push(next);
        }
      }
      this.readVersion++;
      return this.json(200, { read_version: this.readVersion, created: [], updated, deleted });
    }
    const id = Number(url.match(/regions\/(\d+)\//)?.[1]);
    const current = this.regions.get(id);
    if (!current) return this.json(404, { detail: "Not found." });
    const version = body.version ?? Number(query.get("version"));
    if (version !== current.version) return this.json(409, { detail: "region changed" });
    this.readVersion++;
    if (method === "DELETE") {
      this.regions.delete(id);
      return this.json(204, null, { "X-Read-Version": String(this.readVersion) });
    }
    const next = this.region(id, body.label ?? current.label, body.geometry ?? current.geometry, current.version + 1);
    this.regions.set(id, next);
    return this.json(200, next);
  };
}

let server: FakeReadingApi;
let editor: Editor;
let errors: string[];

beforeEach(() => {
  server = new FakeReadingApi();
  vi.stubGlobal("fetch", (url: string, init?: RequestInit) => server.handle(url, init));
  errors = [];
});
afterEach(() => vi.unstubAllGlobals());

function start(): void {
  editor = new Editor(new SaveQueue(server.readVersion), { regions: "/api/reads/1/regions/", erase: "/api/reads/1/erase/", regionBase: "/api/regions/" });
  editor.load([...server.regions.values()]);
  editor.onError = (message) => errors.push(message);
}

const areas = (regions: Iterable<Region>) => [...regions].map((r) => Math.round(r.area_px)).sort((a, b) => a - b);

describe("editor against the reading API", () => {
  it("a stroke merges with touching regions of its label; undo brings both back, redo merges again", async () => {
    server.add("clefting", square(0, 0, 10));
    server.add("clefting", square(20, 0, 10));
    server.add("dark_shadows", square(0, 20, 10));
    start();
    await editor.addShape("clefting", square(5, 2, 20)); // touches both clefting squares
    const merged = geometryArea(union(square(0, 0, 10), square(20, 0, 10), square(5, 2, 20))!);
    expect(areas(server.regions.values())).toEqual([100, Math.round(merged)]);
    expect(areas(editor.store.all())).toEqual(areas(server.regions.values()));

    await editor.undo();
    expect(areas(server.regions.values())).toEqual([100, 100, 100]);
    expect(areas(editor.store.all())).toEqual([100, 100, 100]);

    await editor.redo(); // must delete the re-created square by its new id
    expect(server.regions.size).toBe(2);
    expect(areas(editor.store.all())).toEqual(areas(server.regions.values()));
    expect(errors).toEqual([]);
  });

  it("undo of a delete re-creates the region; a second undo/redo cycle follows its new id", async () => {
    const region = server.add("clefting", square(0, 0, 10));
    start();
    await editor.deleteRegion(region.id);
    expect(server.regions.size).toBe(0);
    await editor.undo();
    expect(server.regions.size).toBe(1);
    await editor.redo();
    expect(server.regions.size).toBe(0);
    await editor.undo();
    expect([...server.regions.values()][0].geometry).toEqual(region.geometry);
    expect(editor.store.size).toBe(1);
  });

  it("erasing cuts regions on screen and on the server alike", async () => {
    server.add("clefting", square(0, 0, 10));
    start();
    await editor.erase(square(5, 0, 10));
    expect(areas(server.regions.values())).toEqual([50]);
    expect(areas(editor.store.all())).toEqual([50]);
    await editor.undo();
    expect(areas(server.regions.values())).toEqual([100]);
  });

  it("rejected input puts the shapes back and says why", async () => {
    server.add("clefting", square(0, 0, 10));
    start();
    server.failNext = { status: 400, body: { geometry: ["ring is self-intersecting"] } };
    await editor.addShape("clefting", square(5, 0, 10));
    expect(areas(editor.store.all())).toEqual([100]);
    expect(errors).toEqual(["geometry: ring is self-intersecting"]);
    expect(editor.undoStack.canUndo).toBe(false);
  });

  it("a stale read version stops saving and takes back the unsaved shape", async () => {
    start();
    server.readVersion = 7; // another tab saved meanwhile
    await editor.addShape("clefting", square(0, 0, 10));
    expect(editor.queue.state).toBe("conflict");
    expect(editor.store.size).toBe(0);
    expect(server.regions.size).toBe(0);
    expect(errors).toEqual([]); // the banner speaks, not a toast
  });

  it("a vertex edit is a PATCH with the region's version, undone by another PATCH", async () => {
    const region = server.add("clefting", square(0, 0, 10));
    start();
    await editor.updateRegion(region.id, { geometry: square(0, 0, 20) });
    expect(server.regions.get(region.id)!.area_px).toBe(400);
    await editor.undo();
    expect(server.regions.get(region.id)!.area_px).toBe(100);
    expect(server.regions.get(region.id)!.version).toBe(3);
    expect(editor.queue.readVersion).toBe(server.readVersion);
  });
});
