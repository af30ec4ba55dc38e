// The editor against a small in-memory stand-in of the reading API (same rules:
// read_version, region versions, merge with same-label touching regions, erase).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Editor } from "../src/workspace/editor";
import { difference, geometriesTouch, geometryArea, geometryBBox, union } from "../src/workspace/geometry";
import { MemoryEditStore, type EditStore } from "../src/workspace/offline/idb";
import { Outbox } from "../src/workspace/offline/outbox";
import { editSender } from "../src/workspace/offline/transport";
import type { Geometry, Region } from "../src/workspace/types";

function square(x: number, y: number, size: number): Geometry {
  return { type: "Polygon", coordinates: [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]] };
}

class FakeReadingApi {
  regions = new Map<number, Region>();
  readVersion = 1;
  nextId = 1;
  failNext: { status: number; body: unknown } | null = null;
  /** Unreachable: fetch rejects, as a browser's does when the server is away. */
  down = false;
  /** URLs of the GETs the editor made (full geometry fetched for outlines). */
  fetched: string[] = [];

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
    if (this.down) throw new TypeError("Failed to fetch");
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
    if (method === "GET" && url.includes("/regions/?")) {
      this.fetched.push(url);
      const [x0, y0, x1, y1] = (query.get("bbox") ?? "-1e9,-1e9,1e9,1e9").split(",").map(Number);
      const results = [...this.regions.values()].filter((r) => r.bbox[0] <= x1 && r.bbox[2] >= x0 && r.bbox[1] <= y1 && r.bbox[3] >= y0);
      return this.json(200, { read_version: this.readVersion, detail: "full", results });
    }
    const id = Number(url.match(/regions\/(\d+)\//)?.[1]);
    const current = this.regions.get(id);
    if (!current) return this.json(404, { detail: "Not found." });
    if (method === "GET") {
      this.fetched.push(url);
      return this.json(200, current);
    }
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

const URLS = { regions: "/api/reads/1/regions/", erase: "/api/reads/1/erase/", regionBase: "/api/regions/", read: "/api/reads/1/", submit: "/api/reads/1/submit/" };

/** The page's editor over ``store`` (kept between two "visits" of the page in the replay test). */
function start(store: EditStore = new MemoryEditStore()): Outbox {
  const send = editSender(URLS, (id) => editor.confirmedVersion(id));
  const outbox = new Outbox({ readId: 1, readVersion: server.readVersion, send, store, delay: () => 1 });
  editor = new Editor(outbox, URLS);
  editor.load([...server.regions.values()]);
  editor.onError = (message) => errors.push(message);
  return outbox;
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

  it("strokes drawn while the server is away stay on screen, survive a reload and are saved in order", async () => {
    server.add("clefting", square(0, 0, 10));
    const store = new MemoryEditStore(); // IndexedDB's stand-in: what outlives the page
    start(store);
    server.down = true;
    void editor.addShape("clefting", square(5, 0, 10)); // merges with the saved square
    void editor.addShape("dark_shadows", square(50, 50, 10));
    void editor.erase(square(0, 0, 3));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(editor.queue.state).toBe("offline");
    expect(editor.queue.pending).toBe(3);
    expect(editor.store.size).toBe(2); // shown at once, merged on screen
    expect((await store.load(1)).edits.map((e) => e.edit.kind)).toEqual(["add", "add", "erase"]);
    expect(await editor.undo()).toBeNull(); // refused while edits wait, and said so
    expect(errors).toEqual(["Nothing to undo until the waiting changes are saved (the server is not answering)."]);
    errors.length = 0;

    // The page is reloaded (the first one is gone); the server is back.
    editor.queue.halt(); // the old page stops sending: it no longer exists
    server.down = false;
    start(store);
    expect(editor.store.size).toBe(1);
    const { readVersion, edits } = await store.load(1);
    expect(readVersion).toBe(server.readVersion);
    await Promise.all(edits.map((stored) => editor.replay(stored)));
    expect(areas(server.regions.values())).toEqual([100, Math.round(150 - 9)]);
    expect(areas(editor.store.all())).toEqual(areas(server.regions.values()));
    expect(editor.queue.readVersion).toBe(server.readVersion);
    expect((await store.load(1)).edits).toEqual([]);
    expect(errors).toEqual([]);
  });
});

// A read opened with outlines (issue 13): the server holds full geometry, the page
// first holds each region's outline. Whatever the reader does, the server must end
// up with full geometry, never an outline.
function circle(cx: number, cy: number, r: number, n = 64): Geometry {
  const ring: [number, number][] = [];
  for (let i = 0; i < n; i++) ring.push([cx + r * Math.cos((2 * Math.PI * i) / n), cy + r * Math.sin((2 * Math.PI * i) / n)]);
  ring.push(ring[0]);
  return { type: "Polygon", coordinates: [ring] };
}

/** The outline the page opens with: every 8th vertex, the full region's box and area (as the API lists it). */
function outlineOf(region: Region): Region {
  const ring = (region.geometry.coordinates as [number, number][][])[0];
  const thinned = ring.filter((_, i) => i % 8 === 0);
  return { ...region, geometry: { type: "Polygon", coordinates: [[...thinned, thinned[0]]] } };
}

function startWithOutlines(): void {
  const send = editSender(URLS, (id) => editor.confirmedVersion(id));
  const outbox = new Outbox({ readId: 1, readVersion: server.readVersion, send, store: new MemoryEditStore(), delay: () => 1 });
  editor = new Editor(outbox, URLS);
  editor.load([...server.regions.values()].map(outlineOf), "outline");
  editor.onError = (message) => errors.push(message);
}

const vertexCount = (geometry: Geometry) => (geometry.coordinates as unknown[][])[0].length;

describe("editing a read opened with outlines", () => {
  it("holds outlines until upgraded, and upgrade replaces only outlines", async () => {
    const a = server.add("clefting", circle(100, 100, 40));
    const b = server.add("clefting", circle(300, 100, 40));
    startWithOutlines();
    expect(editor.outlineCount).toBe(2);
    expect(editor.store.get(a.id)!.detail).toBe("outline");
    expect(editor.store.get(a.id)!.bbox).toEqual(a.bbox); // the full region's box, not the outline's
    await editor.updateRegion(b.id, { label: "dark_shadows" }); // b is fetched in full first
    const stale = { ...b, label: "clefting" };
    expect(editor.upgrade([a, stale]).map((r) => r.id)).toEqual([a.id]); // b is full already: the stale copy is not taken
    expect(editor.outlineCount).toBe(0);
    expect(editor.store.get(a.id)!.detail).toBeUndefined();
    expect(vertexCount(editor.store.get(a.id)!.geometry)).toBe(65);
    expect(editor.store.get(b.id)!.label).toBe("dark_shadows");
  });

  it("a relabel fetches the full geometry first; its undo puts back the full geometry, not the outline", async () => {
    const region = server.add("clefting", circle(100, 100, 40));
    const full = structuredClone(region.geometry);
    startWithOutlines();
    await editor.updateRegion(region.id, { label: "dark_shadows" });
    expect(server.fetched).toEqual([`/api/regions/${region.id}/`]);
    expect(server.regions.get(region.id)!.label).toBe("dark_shadows");
    await editor.undo();
    expect(server.regions.get(region.id)!.label).toBe("clefting");
    expect(server.regions.get(region.id)!.geometry).toEqual(full);
    expect(errors).toEqual([]);
  });

  it("a vertex edit made from an outline is refused: nothing is sent", async () => {
    const region = server.add("clefting", circle(100, 100, 40));
    startWithOutlines();
    const fromOutline = editor.store.get(region.id)!.geometry;
    await editor.updateRegion(region.id, { geometry: fromOutline });
    expect(server.regions.get(region.id)!.version).toBe(1);
    expect(vertexCount(server.regions.get(region.id)!.geometry)).toBe(65);
    expect(errors.length).toBe(1);
  });

  it("undo of a delete re-creates the full region", async () => {
    const region = server.add("clefting", circle(100, 100, 40));
    const full = structuredClone(region.geometry);
    startWithOutlines();
    await editor.deleteRegion(region.id);
    expect(server.regions.size).toBe(0);
    await editor.undo();
    expect([...server.regions.values()].map((r) => r.geometry)).toEqual([full]);
  });

  it("an erase over many outlines fetches them in one box first; its undo restores full geometry", async () => {
    const regions = [0, 1, 2, 3, 4, 5].map((i) => server.add("clefting", circle(100 + 100 * i, 100, 40)));
    const before = new Map(regions.map((r) => [r.id, structuredClone(r.geometry)]));
    startWithOutlines();
    await editor.erase({ type: "Polygon", coordinates: [[[0, 95], [800, 95], [800, 105], [0, 105], [0, 95]]] });
    expect(server.fetched.length).toBe(1);
    expect(server.fetched[0]).toContain("bbox=");
    expect(server.regions.get(regions[0].id)!.geometry.type).toBe("MultiPolygon");
    await editor.undo();
    for (const [id, geometry] of before) expect(server.regions.get(id)!.geometry).toEqual(geometry);
    expect(errors).toEqual([]);
  });

  it("a stroke that merges into an outline region merges on the server with its full geometry and undoes to it", async () => {
    const region = server.add("clefting", circle(100, 100, 40));
    const full = structuredClone(region.geometry);
    startWithOutlines();
    await editor.addShape("clefting", square(130, 90, 40));
    expect(server.fetched).toEqual([`/api/regions/${region.id}/`]);
    await editor.undo();
    expect(server.regions.get(region.id)!.geometry).toEqual(full);
  });
});
