// Undo and redo of many steps, expressed as server calls.
//
// Decision: a step records the regions it touched as they were before and after
// (snapshots). Undoing is the transition after -> before, redoing before -> after;
// ``planTransition`` turns a transition into deletes, updates (PATCH with the
// current version) and creates. A re-created region gets a new id from the
// server, so ids go through ``IdAliases`` before any call: later steps that
// still name the old id reach the new region.
import type { Geometry, Provenance, Region } from "./types";

export interface Snapshot {
  id: number;
  label: string;
  geometry: Geometry;
  provenance: Provenance;
}

export interface Step {
  description: string;
  before: Snapshot[];
  after: Snapshot[];
}

export type Operation =
  | { kind: "delete"; id: number }
  | { kind: "update"; id: number; to: Snapshot }
  | { kind: "create"; to: Snapshot };

export function snapshotOf(region: Region): Snapshot {
  return {
    id: region.id,
    label: region.label,
    geometry: structuredClone(region.geometry),
    provenance: region.provenance,
  };
}

function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  return a.label === b.label && a.provenance === b.provenance && JSON.stringify(a.geometry) === JSON.stringify(b.geometry);
}

/** The server calls that turn the regions ``from`` into the regions ``to`` (deletes first, creates last). */
export function planTransition(from: Snapshot[], to: Snapshot[]): Operation[] {
  const target = new Map(to.map((snapshot) => [snapshot.id, snapshot]));
  const source = new Map(from.map((snapshot) => [snapshot.id, snapshot]));
  const operations: Operation[] = [];
  for (const snapshot of from) if (!target.has(snapshot.id)) operations.push({ kind: "delete", id: snapshot.id });
  for (const snapshot of to) {
    const current = source.get(snapshot.id);
    if (current && !sameSnapshot(current, snapshot)) operations.push({ kind: "update", id: snapshot.id, to: snapshot });
  }
  for (const snapshot of to) if (!source.has(snapshot.id)) operations.push({ kind: "create", to: snapshot });
  return operations;
}

/** Old region id -> the id of the region that replaced it after an undo re-created it. */
export class IdAliases {
  private readonly aliases = new Map<number, number>();

  set(oldId: number, newId: number): void {
    if (oldId !== newId) this.aliases.set(oldId, newId);
  }

  resolve(id: number): number {
    let current = id;
    for (let hops = 0; hops < 10_000 && this.aliases.has(current); hops++) current = this.aliases.get(current)!;
    return current;
  }
}

export class UndoStack {
  private readonly done: Step[] = [];
  private readonly undone: Step[] = [];

  constructor(private readonly limit = 500) {}

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  get depth(): { undo: number; redo: number } {
    return { undo: this.done.length, redo: this.undone.length };
  }

  /** A new step: the redo branch is dropped, as in every editor. */
  push(step: Step): void {
    this.done.push(step);
    if (this.done.length > this.limit) this.done.shift();
    this.undone.length = 0;
  }

  /**
   * Apply the inverse of the last step; the step moves to the redo stack only if
   * ``apply`` succeeds, so a failed save can be retried.
   */
  async undo(apply: (from: Snapshot[], to: Snapshot[]) => Promise<void>): Promise<Step | null> {
    const step = this.done.at(-1);
    if (!step) return null;
    await apply(step.after, step.before);
    this.done.pop();
    this.undone.push(step);
    return step;
  }

  async redo(apply: (from: Snapshot[], to: Snapshot[]) => Promise<void>): Promise<Step | null> {
    const step = this.undone.at(-1);
    if (!step) return null;
    await apply(step.before, step.after);
    this.undone.pop();
    this.done.push(step);
    return step;
  }

  clear(): void {
    this.done.length = 0;
    this.undone.length = 0;
  }
}
