import { describe, expect, it } from "vitest";
import { chooseDrawer, probeWebGL } from "../src/viewer/drawer";

/** A document whose canvases answer WebGL as a browser with ``kind`` of WebGL would. */
function documentWith(kind: "hardware" | "software" | "none"): { doc: Document; lost: number } {
  const state = { lost: 0 };
  const context = { getExtension: () => ({ loseContext: () => state.lost++ }) };
  const doc = {
    createElement: () => ({
      getContext: (_: string, options?: { failIfMajorPerformanceCaveat?: boolean }) => {
        if (kind === "none") return null;
        if (kind === "software" && options?.failIfMajorPerformanceCaveat) return null;
        return context;
      },
    }),
  } as unknown as Document;
  return { doc, get lost() { return state.lost; } };
}

describe("the viewer's drawer", () => {
  it("keeps WebGL only where the GPU draws it", () => {
    expect(chooseDrawer("hardware")).toBe("webgl");
    expect(chooseDrawer("software")).toBe("canvas");
    expect(chooseDrawer("none")).toBe("canvas");
  });
  it("tells software WebGL from hardware by the browser's own performance caveat, releasing its probe", () => {
    for (const kind of ["hardware", "software", "none"] as const) {
      const probe = documentWith(kind);
      expect(probeWebGL(probe.doc)).toBe(kind);
      expect(probe.lost).toBe(kind === "none" ? 0 : 1);
    }
  });
});
