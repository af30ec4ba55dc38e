// Which OpenSeadragon drawer a page uses.
//
// Decision (issue 13): OpenSeadragon draws with WebGL by default. Where WebGL runs in
// software (no GPU, or a blocked driver: virtual desktops, remote sessions, this
// project's headless test machines), each frame costs far more in WebGL than in a 2D
// canvas and blocks the page's main thread while tiles arrive: measured
// (benchmarks/README.md, "Workspace"), with the 2D canvas a 5,000-region read was
// fully loaded in 1.4 s instead of 3.0 s and a pan frame took 17 ms instead of 72 ms.
// Software WebGL is told by the browser refusing a context asked for with
// ``failIfMajorPerformanceCaveat`` or, where it does not (Chromium hands out
// SwiftShader contexts even then), by the renderer's name. With a GPU nothing changes.
export type DrawerChoice = "webgl" | "canvas";

/** The drawer for a browser whose WebGL is ``webgl``: hardware, software, or none at all. */
export function chooseDrawer(webgl: "hardware" | "software" | "none"): DrawerChoice {
  return webgl === "hardware" ? "webgl" : "canvas";
}

/** Renderer names of WebGL implementations that run on the CPU. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;

/** What kind of WebGL this browser has (throwaway contexts, released at once). */
export function probeWebGL(doc: Document = document): "hardware" | "software" | "none" {
  const fast = doc.createElement("canvas").getContext("webgl", { failIfMajorPerformanceCaveat: true });
  const gl = fast ?? doc.createElement("canvas").getContext("webgl");
  if (!gl) return "none";
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return fast && !SOFTWARE_RENDERER.test(renderer) ? "hardware" : "software";
}

let cached: DrawerChoice | undefined;

/** The drawer for this page, probed once. */
export function pageDrawer(): DrawerChoice {
  cached ??= chooseDrawer(probeWebGL());
  return cached;
}
