// Edits of one read's regions: instant on screen, then saved, then reconciled.
//
// Decision: two views of the regions. ``store`` is what the page shows and is
// changed at once (optimistically, with polygon-clipping); ``confirmed`` holds
// only what the server returned. Every write goes through the SaveQueue; its
// result (the server is the source of truth) replaces the optimistic shapes, and
// a failed write puts the confirmed ones back. Undo steps are built from
// confirmed states, so they describe what the server really holds.
import { api, apiCall, withQuery } from "./api";
import { difference, geometriesTouch, geometryArea, geometryBBox, union } from "./geometry";
import { failureMessage, type SaveQueue } from "./saveQueue";
import { prepareRegion, RegionStore } from "./store";
import { IdAliases, planTransition, snapshotOf, UndoStack, type Snapshot } from "./undo";
import type { Geometry, Provenance, Region, WriteResult } from "./types";

export interface EditorUrls {
  regions: string;
  erase: string;
  regionBase: string;
}

let temporaryIds = 0;

export class Editor {
  readonly store = new RegionStore();
  readonly undoStack = new UndoStack();
  private readonly confirmed = new Map<number, Region>();
  private readonly aliases = new IdAliases();
  private undoing = false;
  /** Called with a message when a write fails for a reason other than a conflict. */
  onError: (message: string) => void = () => {};
  /** Called after the undo/redo stacks change. */
  onHistory: () => void = () => {};

  constructor(
    readonly queue: SaveQueue,
    private readonly urls: EditorUrls,
  ) {}

  load(regions: Region[]): void {
    this.confirmed.clear();
    const prepared = regions.map(prepareRegion);
    for (const region of prepared) this.confirmed.set(region.id, region);
    this.store.load(prepared);
  }

  private regionUrl(id: number): string {
    return `${this.urls.regionBase}${id}/`;
  }

  /**
   * Apply a server write result to both views. The optimistic shapes go first (back
   * to their confirmed state, or away if they were new): the server may have
   * merged or cut fewer regions than the page guessed.
   */
  private reconcile(result: WriteResult, optimisticIds: number[] = []): void {
    this.revert(optimisticIds);
    const fresh = [...result.created, ...result.updated].map(prepareRegion);
    for (const id of result.deleted) this.confirmed.delete(id);
    for (const region of fresh) this.confirmed.set(region.id, region);
    this.store.remove(...result.deleted);
    this.store.upsert(...fresh);
  }

  /** Put the confirmed state back for ``ids`` (after a failed write). */
  private revert(ids: number[]): void {
    for (const id of ids) {
      const region = this.confirmed.get(id);
      if (region) this.store.upsert(region);
      else this.store.remove(id);
    }
  }

  private failed(error: unknown): void {
    const message = failureMessage(error);
    if (message) this.onError(message);
  }

  private snapshots(ids: number[]): Snapshot[] {
    return ids.flatMap((id) => {
      const region = this.confirmed.get(id);
      return region ? [snapshotOf(region)] : [];
    });
  }

  private record(description: string, before: Snapshot[], after: Snapshot[]): void {
    if (before.length === 0 && after.length === 0) return;
    this.undoStack.push({ description, before, after });
    this.onHistory();
  }

  /** A drawn shape: merged on screen with the same-label regions it touches, then saved with merge=true. */
  async addShape(label: string, geometry: Geometry, provenance: Provenance = "manual"): Promise<void> {
    const bbox = geometryBBox(geometry);
    const touched = this.store.search(bbox).filter((r) => r.label === label && geometriesTouch(r.geometry, geometry));
    const tempId = --temporaryIds;
    const optimisticIds = [tempId, ...touched.map((r) => r.id)];
    if (touched.length) {
      const merged = union(geometry, ...touched.map((r) => r.geometry)) ?? geometry;
      const [keep, ...absorbed] = touched; // largest first
      this.store.remove(...absorbed.map((r) => r.id));
      this.store.upsert({ ...keep, geometry: merged, area_px: geometryArea(merged) });
    } else {
      this.store.upsert(this.optimisticRegion(tempId, label, geometry, provenance));
    }
    try {
      const result = await this.queue.enqueue(async (readVersion) => {
        const data = await api.post<WriteResult>(this.urls.regions, {
          label,
          geometry,
          provenance,
          merge: true,
          read_version: readVersion,
        });
        return { result: data, readVersion: data.read_version };
      });
      const before = this.snapshots([...result.updated.map((r) => r.id), ...result.deleted]);
      this.reconcile(result, optimisticIds);
      this.record("draw", before, [...result.created, ...result.updated].map((r) => snapshotOf(prepareRegion(r))));
    } catch (error) {
      this.revert(optimisticIds);
      this.failed(error);
    }
  }

  private optimisticRegion(id: number, label: string, geometry: Geometry, provenance: Provenance): Region {
    return {
      id,
      read: 0,
      label,
      geometry,
      provenance,
      version: 0,
      area_px: geometryArea(geometry),
      bbox: geometryBBox(geometry),
    };
  }

  /** An eraser stroke: subtracted on screen from every region it crosses, then saved. */
  async erase(geometry: Geometry): Promise<void> {
    const touched = this.store.search(geometryBBox(geometry)).filter((r) => r.id > 0);
    for (const region of touched) {
      const rest = difference(region.geometry, geometry);
      if (rest === null) this.store.remove(region.id);
      else this.store.upsert({ ...region, geometry: rest, area_px: geometryArea(rest) });
    }
    const optimisticIds = touched.map((r) => r.id);
    try {
      const result = await this.queue.enqueue(async (readVersion) => {
        const data = await api.post<WriteResult>(this.urls.erase, { geometry, read_version: readVersion });
        return { result: data, readVersion: data.read_version };
      });
      const before = this.snapshots([...result.updated.map((r) => r.id), ...result.deleted]);
      this.reconcile(result, optimisticIds);
      this.record("erase", before, result.updated.map((r) => snapshotOf(prepareRegion(r))));
    } catch (error) {
      this.revert(optimisticIds);
      this.failed(error);
    }
  }

  async deleteRegion(id: number): Promise<void> {
    if (!this.confirmed.has(id)) return;
    this.store.remove(id);
    try {
      await this.serverDelete(id);
      const before = this.snapshots([id]);
      this.confirmed.delete(id);
      this.record("delete", before, []);
    } catch (error) {
      this.revert([id]);
      this.failed(error);
    }
  }

  /** A vertex moved or removed, or a relabel: a PATCH carrying the region's version. */
  async updateRegion(id: number, changes: { geometry?: Geometry; label?: string }): Promise<void> {
    const current = this.confirmed.get(id);
    if (!current) return;
    const preview = { ...current, ...changes };
    if (changes.geometry) preview.area_px = geometryArea(changes.geometry);
    this.store.upsert(preview);
    try {
      const updated = await this.serverPatch(id, changes);
      this.record(changes.geometry ? "edit vertices" : "relabel", [snapshotOf(current)], [snapshotOf(updated)]);
    } catch (error) {
      this.revert([id]);
      this.failed(error);
    }
  }

  private async serverPatch(id: number, changes: Partial<Snapshot>): Promise<Region> {
    const region = await this.queue.enqueue(async (readVersion) => {
      const version = this.confirmed.get(id)?.version;
      if (version === undefined) throw new Error(`region ${id} is no longer there; reload the page`);
      const { data, headers } = await apiCall<Region>("PATCH", this.regionUrl(id), {
        ...changes,
        version,
        read_version: readVersion,
      });
      // Every region write bumps the read's version by one (READING_CONTRACT).
      return { result: data, readVersion: Number(headers.get("X-Read-Version") ?? readVersion + 1) };
    });
    const prepared = prepareRegion(region);
    this.confirmed.set(id, prepared);
    this.store.upsert(prepared);
    return prepared;
  }

  private async serverDelete(id: number): Promise<void> {
    await this.queue.enqueue(async (readVersion) => {
      const version = this.confirmed.get(id)?.version;
      if (version === undefined) throw new Error(`region ${id} is no longer there; reload the page`);
      const { headers } = await apiCall<null>(
        "DELETE",
        withQuery(this.regionUrl(id), { version, read_version: readVersion }),
      );
      return { result: null, readVersion: Number(headers.get("X-Read-Version") ?? readVersion + 1) };
    });
    this.store.remove(id);
  }

  private async serverCreate(snapshot: Snapshot): Promise<Region> {
    const result = await this.queue.enqueue(async (readVersion) => {
      const data = await api.post<WriteResult>(this.urls.regions, {
        label: snapshot.label,
        geometry: snapshot.geometry,
        provenance: snapshot.provenance,
        merge: false,
        read_version: readVersion,
      });
      return { result: data, readVersion: data.read_version };
    });
    this.reconcile(result);
    return prepareRegion(result.created[0]);
  }

  /** Make the server hold ``to`` where it holds ``from`` (undo and redo). */
  private async transition(from: Snapshot[], to: Snapshot[]): Promise<void> {
    for (const operation of planTransition(from, to)) {
      if (operation.kind === "delete") {
        const id = this.aliases.resolve(operation.id);
        await this.serverDelete(id);
        this.confirmed.delete(id);
      } else if (operation.kind === "update") {
        const { label, geometry, provenance } = operation.to;
        await this.serverPatch(this.aliases.resolve(operation.id), { label, geometry, provenance });
      } else {
        const created = await this.serverCreate(operation.to);
        this.aliases.set(operation.to.id, created.id);
      }
    }
  }

  private async history(direction: "undo" | "redo"): Promise<string | null> {
    if (this.undoing) return null;
    this.undoing = true;
    try {
      await this.queue.idle(); // the step must apply to the state its writes produced
      const apply = (from: Snapshot[], to: Snapshot[]) => this.transition(from, to);
      const step = direction === "undo" ? await this.undoStack.undo(apply) : await this.undoStack.redo(apply);
      return step?.description ?? null;
    } catch (error) {
      this.failed(error);
      return null;
    } finally {
      this.undoing = false;
      this.onHistory();
    }
  }

  undo(): Promise<string | null> {
    return this.history("undo");
  }

  redo(): Promise<string | null> {
    return this.history("redo");
  }
}
