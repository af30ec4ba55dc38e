import { describe, expect, it } from "vitest";
import { IdAliases, planTransition, UndoStack, type Snapshot } from "../src/workspace/undo";

function snap(id: number, x: number, label = "clefting"): Snapshot {
  return {
    id,
    label,
    provenance: "manual",
    geometry: { type: "Polygon", coordinates: [[[x, 0], [x + 1, 0], [x, 1], [x, 0]]] },
  };
}

describe("planning a transition as server calls", () => {
  it("undoing a merge restores the grown region and re-creates the absorbed ones", () => {
    // The merge updated 1 (to the union) and deleted 2.
    const before = [snap(1, 0), snap(2, 5)];
    const after = [snap(1, 99)];
    expect(planTransition(after, before)).toEqual([
      { kind: "update", id: 1, to: snap(1, 0) },
      { kind: "create", to: snap(2, 5) },
    ]);
  });

  it("undoing a creation deletes the region; redoing re-creates it", () => {
    expect(planTransition([snap(7, 0)], [])).toEqual([{ kind: "delete", id: 7 }]);
    expect(planTransition([], [snap(7, 0)])).toEqual([{ kind: "create", to: snap(7, 0) }]);
  });

  it("a relabel is an update; an unchanged region needs no call", () => {
    expect(planTransition([snap(1, 0), snap(2, 0)], [snap(1, 0, "dark_shadows"), snap(2, 0)])).toEqual([
      { kind: "update", id: 1, to: snap(1, 0, "dark_shadows") },
    ]);
  });
});

describe("id aliases", () => {
  it("follows a region through several re-creations", () => {
    const aliases = new IdAliases();
    aliases.set(1, 5);
    aliases.set(5, 9);
    expect(aliases.resolve(1)).toBe(9);
    expect(aliases.resolve(3)).toBe(3);
  });
});

describe("undo stack", () => {
  const step = (name: string) => ({ description: name, before: [], after: [snap(1, name.length)] });

  it("undoes and redoes many steps in order", async () => {
    const stack = new UndoStack();
    const applied: string[] = [];
    for (const name of ["a", "bb", "ccc"]) stack.push(step(name));
    const apply = async (_from: Snapshot[], to: Snapshot[]) => {
      applied.push(to.length ? "forward" : "back");
    };
    expect((await stack.undo(apply))?.description).toBe("ccc");
    expect((await stack.undo(apply))?.description).toBe("bb");
    expect((await stack.redo(apply))?.description).toBe("bb");
    expect(stack.depth).toEqual({ undo: 2, redo: 1 });
    expect(applied).toEqual(["back", "back", "forward"]);
  });

  it("a new step drops the redo branch", async () => {
    const stack = new UndoStack();
    stack.push(step("a"));
    await stack.undo(async () => {});
    stack.push(step("b"));
    expect(stack.canRedo).toBe(false);
  });

  it("a failed undo keeps the step for a retry", async () => {
    const stack = new UndoStack();
    stack.push(step("a"));
    await expect(
      stack.undo(async () => {
        throw new Error("offline");
      }),
    ).rejects.toThrow("offline");
    expect(stack.depth).toEqual({ undo: 1, redo: 0 });
  });

  it("forgets the oldest steps beyond its limit", () => {
    const stack = new UndoStack(3);
    for (const name of ["a", "b", "c", "d"]) stack.push(step(name));
    expect(stack.depth.undo).toBe(3);
  });
});
