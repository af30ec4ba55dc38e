// Edits of one read's regions: instant on screen, then saved, then reconciled.
//
// Decision: two views of the regions. ``store`` is what the page shows and is
// changed at once (optimistically, with polygon-clipping); ``confirmed`` holds
// only what the server returned. Every write is an edit sent through the Outbox
// (kept in IndexedDB, retried while the server is away); its result (the server is
// the source of truth) replaces the optimistic shapes, and a refused write puts the
// confirmed ones back. Undo steps are built from confirmed states, so they describe
// what the server really holds. An edit left from an earlier visit is shown and sent
// again through ``replay``, by the same paths as a new one.
//
// A large read opens with low-resolution outlines (detailStream.ts): a region held
// as an outline is drawn, hit and selected like any other, but before anything
// edits it — or records it in an undo step — its full geometry is fetched
// (``ensureFull``). An outline is never sent back as a region's geometry.
import { api, withQuery } from "../lib/api";
import { difference, geometriesTouch, geometryArea, geometryBBox, union } from "./geometry";
import type { Edit, StoredEdit } from "./offline/edits";
import { failureMessage, type Outbox } from "./offline/outbox";
import { prepareRegion, RegionStore } from "./store";
import { IdAliases, planTransition, snapshotOf, UndoStack, type Snapshot } from "./undo";
import type { BBox, Geometry, Provenance, Region, RegionList, WriteResult } from "./types";

type AddBody = Extract<Edit, { kind: "add" }>["body"];
type RegionChanges = { geometry?: Geometry; label?: string; provenance?: Provenance };

let temporaryIds = 0;

/** Up to this many outlines are fetched one by one before an edit; more, with one box request. */
const FETCH_ONE_BY_ONE = 4;
export const NOT_LOADED_MESSAGE = "The full outline of that region could not be loaded; try again.";

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
    readonly queue: Outbox,
    private readonly urls: { regions: string; regionBase: string },
  ) {}

  /** The version of a region the server last confirmed (what an edit of it is sent with). */
  confirmedVersion(id: number): number | undefined {
    return this.confirmed.get(id)?.version;
  }

  /** Replace everything (the page's first load); with ``detail`` "outline" the geometries are outlines. */
  load(regions: Region[], detail: "full" | "outline" = "full"): void {
    this.confirmed.clear();
    const prepared = regions.map((region) =>
      prepareRegion(detail === "outline" ? { ...region, detail: "outline" } : region),
    );
    for (const region of prepared) this.confirmed.set(region.id, region);
    this.store.load(prepared);
  }

  /** How many regions are still held as outlines. */
  get outlineCount(): number {
    let count = 0;
    for (const region of this.confirmed.values()) if (region.detail === "outline") count++;
    return count;
  }

  /**
   * Full regions from the server in place of their outlines; returns those replaced.
   * Only outlines are: a region this page wrote since holds the answer to that
   * write, which is at least as new as anything fetched alongside it. With
   * ``quietly`` the store is refined without a change event (RegionStore.refine):
   * the detail stream's way, which then ``touch``es the store only if it can be seen.
   */
  upgrade(regions: Region[], quietly = false): Region[] {
    const fresh: Region[] = [];
    for (const region of regions) {
      const held = this.confirmed.get(region.id);
      if (!held || held.detail !== "outline") continue;
      const { detail: _, ...full } = region; // a full listing has no detail key; never keep one
      const prepared = prepareRegion(full);
      this.confirmed.set(region.id, prepared);
      // On screen too, unless the page shows something else there (removed or changed, not yet saved).
      if (this.store.get(region.id)?.detail === "outline") fresh.push(prepared);
    }
    if (quietly) this.store.refine(fresh);
    else this.store.upsert(...fresh);
    return fresh;
  }

  /**
   * Make sure the regions ``ids`` are held at full detail, fetching those still
   * outlines; false when one could not be loaded (the caller then edits nothing).
   */
  async ensureFull(ids: number[]): Promise<boolean> {
    const outlines = ids.filter((id) => this.confirmed.get(id)?.detail === "outline");
    if (outlines.length === 0) return true;
    try {
      if (outlines.length <= FETCH_ONE_BY_ONE) {
        this.upgrade(await Promise.all(outlines.map((id) => api.get<Region>(this.regionUrl(id)))));
      } else {
        const boxes = outlines.map((id) => this.confirmed.get(id)!.bbox);
        const box: BBox = [
          Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])),
          Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3])),
        ]; // prettier-ignore
        this.upgrade((await api.get<RegionList>(withQuery(this.urls.regions, { bbox: box.join(",") }))).results);
      }
    } catch {
      return false;
    }
    return outlines.every((id) => this.confirmed.get(id)?.detail !== "outline");
  }

  /** ``ensureFull`` of every region whose box meets ``bbox`` (what a drawn or erased shape may touch). */
  private ensureFullAround(bbox: BBox): Promise<boolean> {
    return this.ensureFull(this.store.searchUnordered(bbox).map((region) => region.id));
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

  /** Undo states of ``ids``; null if one is only an outline (an undo must never write an outline back). */
  private snapshots(ids: number[]): Snapshot[] | null {
    const regions = ids.flatMap((id) => this.confirmed.get(id) ?? []);
    if (regions.some((region) => region.detail === "outline")) return null;
    return regions.map(snapshotOf);
  }

  private record(description: string, before: Snapshot[] | null, after: Snapshot[]): void {
    if (before === null) return; // cannot happen after ensureFull; better no undo step than a wrong one
    if (before.length === 0 && after.length === 0) return;
    this.undoStack.push({ description, before, after });
    this.onHistory();
  }

  /** A drawn shape: merged on screen with the same-label regions it touches, then saved with merge=true. */
  addShape(label: string, geometry: Geometry, provenance: Provenance = "manual"): Promise<void> {
    const edit = { kind: "add", body: { label, geometry, provenance, merge: true } } as const;
    return this.applyAdd(edit.body, () => this.queue.enqueue(edit));
  }

  private async applyAdd(body: AddBody, save: () => Promise<WriteResult>): Promise<void> {
    const geometry = body.geometry as Geometry;
    const bbox = geometryBBox(geometry);
    if (!(await this.ensureFullAround(bbox))) return this.onError(NOT_LOADED_MESSAGE);
    const touched = body.merge
      ? this.store.search(bbox).filter((r) => r.label === body.label && geometriesTouch(r.geometry, geometry))
      : [];
    const tempId = --temporaryIds;
    const optimisticIds = [tempId, ...touched.map((r) => r.id)];
    if (touched.length) {
      const merged = union(geometry, ...touched.map((r) => r.geometry)) ?? geometry;
      const [keep, ...absorbed] = touched; // largest first
      this.store.remove(...absorbed.map((r) => r.id));
      this.store.upsert({ ...keep, geometry: merged, area_px: geometryArea(merged) });
    } else {
      this.store.upsert(this.optimisticRegion(tempId, body.label, geometry, (body.provenance ?? "manual") as Provenance));
    }
    try {
      const result = await save();
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
  erase(geometry: Geometry): Promise<void> {
    const edit = { kind: "erase", body: { geometry } } as const;
    return this.applyErase(geometry, () => this.queue.enqueue(edit));
  }

  private async applyErase(geometry: Geometry, save: () => Promise<WriteResult>): Promise<void> {
    if (!(await this.ensureFullAround(geometryBBox(geometry)))) return this.onError(NOT_LOADED_MESSAGE);
    const touched = this.store.search(geometryBBox(geometry)).filter((r) => r.id > 0);
    for (const region of touched) {
      const rest = difference(region.geometry, geometry);
      if (rest === null) this.store.remove(region.id);
      else this.store.upsert({ ...region, geometry: rest, area_px: geometryArea(rest) });
    }
    const optimisticIds = touched.map((r) => r.id);
    try {
      const result = await save();
      const before = this.snapshots([...result.updated.map((r) => r.id), ...result.deleted]);
      this.reconcile(result, optimisticIds);
      this.record("erase", before, result.updated.map((r) => snapshotOf(prepareRegion(r))));
    } catch (error) {
      this.revert(optimisticIds);
      this.failed(error);
    }
  }

  deleteRegion(id: number): Promise<void> {
    if (!this.confirmed.has(id)) return Promise.resolve();
    return this.applyDelete(id, () => this.serverDelete(id));
  }

  private async applyDelete(id: number, save: () => Promise<void>): Promise<void> {
    // The undo step needs the full geometry, which is gone from the server once deleted.
    if (!(await this.ensureFull([id]))) return this.onError(NOT_LOADED_MESSAGE);
    this.store.remove(id);
    try {
      await save();
      const before = this.snapshots([id]);
      this.confirmed.delete(id);
      this.record("delete", before, []);
    } catch (error) {
      this.revert([id]);
      this.failed(error);
    }
  }

  /** A vertex moved or removed, or a relabel: a PATCH carrying the region's version. */
  updateRegion(id: number, changes: RegionChanges): Promise<void> {
    const held = this.confirmed.get(id);
    if (!held) return Promise.resolve();
    // A shape edited from an outline would replace the region by its outline: refused.
    // (Vertex handles appear only once the full geometry is in: renderer.handlePositions.)
    if (held.detail === "outline" && changes.geometry) {
      this.onError(NOT_LOADED_MESSAGE);
      return Promise.resolve();
    }
    return this.applyUpdate(id, changes, () => this.serverPatch(id, changes));
  }

  private async applyUpdate(id: number, changes: RegionChanges, save: () => Promise<Region>): Promise<void> {
    // A replayed edit (from an earlier visit) carries full geometry; the region may be held as an outline now.
    if (this.confirmed.get(id)?.detail === "outline" && !(await this.ensureFull([id]))) return this.onError(NOT_LOADED_MESSAGE);
    const current = this.confirmed.get(id);
    if (current) {
      const preview = { ...current, ...changes };
      if (changes.geometry) preview.area_px = geometryArea(changes.geometry);
      this.store.upsert(preview);
    }
    try {
      const updated = await save();
      if (current) this.record(changes.geometry ? "edit vertices" : "relabel", [snapshotOf(current)], [snapshotOf(updated)]);
    } catch (error) {
      this.revert([id]);
      this.failed(error);
    }
  }

  private async serverPatch(id: number, changes: RegionChanges, stored?: StoredEdit): Promise<Region> {
    const edit = { kind: "update", regionId: id, changes } as const;
    const region = await (stored ? this.queue.adopt({ ...stored, edit }) : this.queue.enqueue(edit));
    const prepared = prepareRegion(region);
    this.confirmed.set(id, prepared);
    this.store.upsert(prepared);
    return prepared;
  }

  private async serverDelete(id: number, stored?: StoredEdit): Promise<void> {
    const edit = { kind: "delete", regionId: id } as const;
    await (stored ? this.queue.adopt({ ...stored, edit }) : this.queue.enqueue(edit));
    this.store.remove(id);
  }

  private async serverCreate(snapshot: Snapshot): Promise<Region> {
    const { label, geometry, provenance } = snapshot;
    const result = await this.queue.enqueue({ kind: "add", body: { label, geometry, provenance, merge: false } });
    this.reconcile(result);
    return prepareRegion(result.created[0]);
  }

  /**
   * An edit stored by an earlier visit (or kept at a conflict): shown on screen and
   * sent in its turn, as when it was made. Adopts it synchronously, so edits replayed
   * one after another keep their order.
   */
  replay(stored: StoredEdit): Promise<void> {
    const { edit } = stored;
    switch (edit.kind) {
      case "add":
        return this.applyAdd(edit.body, () => this.queue.adopt({ ...stored, edit }));
      case "erase":
        return this.applyErase(edit.body.geometry as Geometry, () => this.queue.adopt({ ...stored, edit }));
      case "update": {
        const changes = edit.changes as RegionChanges;
        return this.applyUpdate(edit.regionId, changes, () => this.serverPatch(edit.regionId, changes, stored));
      }
      case "delete":
        return this.applyDelete(edit.regionId, () => this.serverDelete(edit.regionId, stored));
      default:
        throw new Error(`not a region edit: ${edit.kind}`);
    }
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
    // Steps are recorded when the server confirms an edit: while edits wait, the last
    // step is not the last thing drawn, and undoing it later would surprise the reader.
    if (this.queue.state === "offline") {
      this.onError(`Nothing to ${direction} until the waiting changes are saved (the server is not answering).`);
      return null;
    }
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
