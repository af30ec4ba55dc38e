import { describe, expect, it } from "vitest";
import { isViewerOnlyKey, labelIndex, matchShortcut, SHORTCUTS, type KeyLike } from "../src/workspace/keys";
import { SHORTCUT_HELP } from "../src/viewer/shortcuts";

function key(k: string, extra: Partial<KeyLike> = {}): KeyLike {
  return { key: k, code: "", ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...extra };
}

describe("workspace shortcuts", () => {
  it("maps tool letters to tools", () => {
    expect(matchShortcut(key("p"))?.action).toBe("tool:polygon");
    expect(matchShortcut(key("B", { shiftKey: true }))?.action).toBe("tool:brush");
    expect(matchShortcut(key("e"))?.action).toBe("tool:eraser");
  });

  it("tells undo from redo", () => {
    expect(matchShortcut(key("z", { ctrlKey: true }))?.action).toBe("undo");
    expect(matchShortcut(key("Z", { ctrlKey: true, shiftKey: true }))?.action).toBe("redo");
    expect(matchShortcut(key("y", { metaKey: true }))?.action).toBe("redo");
  });

  it("picks labels with Shift+digit, the tenth on Shift+0", () => {
    const event = key("#", { code: "Digit3", shiftKey: true });
    expect(matchShortcut(event)?.action).toBe("label");
    expect(labelIndex(event)).toBe(2);
    expect(labelIndex(key(")", { code: "Digit0", shiftKey: true }))).toBe(9);
  });

  it("leaves the viewer's own keys (1, 0, g) to the viewer", () => {
    for (const [keys] of SHORTCUT_HELP) {
      for (const k of keys.split(" / ")) expect(matchShortcut(key(k))).toBeNull();
    }
  });

  it("never gives one key press two meanings", () => {
    const presses = [..."abcdefghijklmnopqrstuvwxyz[],.+-=?", "Delete", "Backspace", "Enter", "Escape"];
    for (const k of presses) {
      for (const mods of [{}, { ctrlKey: true }, { ctrlKey: true, shiftKey: true }]) {
        const event = key(k, mods);
        expect(SHORTCUTS.filter((s) => s.matches(event)).length).toBeLessThanOrEqual(1);
      }
    }
  });

  it("keeps rotation away from OpenSeadragon (the overlay does not rotate)", () => {
    expect(isViewerOnlyKey(key("r"))).toBe(true);
  });
});
