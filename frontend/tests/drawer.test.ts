import { describe, expect, it } from "vitest";
import { chooseDrawer, probeWebGL } from "../src/viewer/drawer";

const RENDERER = 0x9246; // WEBGL_debug_renderer_info.UNMASKED_RENDERER_WEBGL

/** A document whose canvases answer WebGL as a browser would: ``caveat`` when it refuses a context asked for
 * with failIfMajorPerformanceCaveat, ``renderer`` the name it gives (null: no WebGL at all). */
function browser(renderer: string | null, caveat: boolean): { doc: Document; released: () => number } {
  let released = 0;
  const gl = {
    getExtension: (name: string) =>
      name === "WEBGL_lose_context" ? { loseContext: () => released++ } : { UNMASKED_RENDERER_WEBGL: RENDERER },
    getParameter: (key: number) => (key === RENDERER ? renderer : null),
  };
  const doc = {
    createElement: () => ({
      getContext: (_: string, options?: { failIfMajorPerformanceCaveat?: boolean }) =>
        renderer === null || (caveat && options?.failIfMajorPerformanceCaveat) ? null : gl,
    }),
  } as unknown as Document;
  return { doc, released: () => released };
}

describe("the viewer's drawer", () => {
  it("keeps WebGL only where the GPU draws it", () => {
    expect(chooseDrawer("hardware")).toBe("webgl");
    expect(chooseDrawer("software")).toBe("canvas");
    expect(chooseDrawer("none")).toBe("canvas");
  });
  it("tells software WebGL by the browser's performance caveat or by the renderer's name", () => {
    const cases: [string | null, boolean, string][] = [
      ["ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)", false, "hardware"],
      ["Apple M2", false, "hardware"],
      // Chromium without a GPU: SwiftShader, handed out even with failIfMajorPerformanceCaveat.
      ["ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)", false, "software"],
      ["llvmpipe (LLVM 15.0.6, 256 bits)", false, "software"],
      ["ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11)", false, "software"],
      ["Some GPU", true, "software"],
      [null, false, "none"],
    ];
    for (const [renderer, caveat, kind] of cases) {
      const probe = browser(renderer, caveat);
      expect(probeWebGL(probe.doc), String(renderer)).toBe(kind);
      expect(probe.released()).toBe(renderer === null ? 0 : 1);
    }
  });
});
