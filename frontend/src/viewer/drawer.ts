// Which OpenSeadragon drawer a page uses.
//
// Decision (issue 13): OpenSeadragon draws with WebGL by default. Where WebGL runs in
// software (no GPU, or a blocked driver: virtual desktops, remote sessions, this
// project's headless test machines), each frame costs far more in WebGL than in a 2D
// canvas and blocks the page's main thread while tiles arrive: measured
// (benchmarks/README.md, "Workspace") it is what kept a large read's streamed regions
// waiting. The browser itself says when WebGL would be slow: a context asked for with
// ``failIfMajorPerformanceCaveat`` is refused exactly then. With a real GPU nothing changes.
export type DrawerChoice = "webgl" | "canvas";

/** The drawer for a browser whose WebGL is ``webgl``: hardware, software, or none at all. */
export function chooseDrawer(webgl: "hardware" | "software" | "none"): DrawerChoice {
  return webgl === "hardware" ? "webgl" : "canvas";
}

/** What kind of WebGL this browser has (one throwaway context, released at once). */
export function probeWebGL(doc: Document = document): "hardware" | "software" | "none" {
  const canvas = doc.createElement("canvas");
  const fast = canvas.getContext("webgl", { failIfMajorPerformanceCaveat: true });
  if (fast) {
    fast.getExtension("WEBGL_lose_context")?.loseContext();
    return "hardware";
  }
  const slow = doc.createElement("canvas").getContext("webgl");
  slow?.getExtension("WEBGL_lose_context")?.loseContext();
  return slow ? "software" : "none";
}

let cached: DrawerChoice | undefined;

/** The drawer for this page, probed once. */
export function pageDrawer(): DrawerChoice {
  cached ??= chooseDrawer(probeWebGL());
  return cached;
}
