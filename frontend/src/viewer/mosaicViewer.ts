// The one mosaic viewer every page reuses (viewer page, reading workspace):
// OpenSeadragon over the platform's DZI with a navigator, a µm scale bar, 1:1 zoom
// and grey presets. Its interface to the pages:
//   createMosaicViewer(element, mosaic, options?) -> OpenSeadragon.Viewer
// Extra controls (presets, 1:1) are reachable through viewerControls(viewer), so the
// returned type stays plain OpenSeadragon.
import OpenSeadragon from "openseadragon";
import "../styles/viewer.css";
import { pageDrawer } from "./drawer";
import { IDENTITY, PRESETS, createGreyFilter, isIdentity, type Adjustment } from "./presets";
import { attachScaleBar } from "./scaleBar";
import { SHORTCUT_HELP, bindShortcuts } from "./shortcuts";

export interface MosaicInfo {
  id: number;
  width: number;
  height: number;
  umPerPx: number;
  dziUrl: string;
}

export interface MosaicViewerOptions {
  showNavigator?: boolean;
  /** Document-level shortcuts (1, 0, g/G); off when the host page owns the keyboard. */
  keyboardShortcuts?: boolean;
  /** Show the toolbar with presets and sliders (default true). */
  showToolbar?: boolean;
}

export interface ViewerControls {
  mosaic: MosaicInfo;
  /** One image pixel per device pixel, keeping the centre. */
  zoomToActualSize: () => void;
  fit: () => void;
  setAdjustment: (adjust: Adjustment) => void;
  getAdjustment: () => Adjustment;
  setPreset: (key: string) => void;
  destroy: () => void;
}

const controls = new WeakMap<OpenSeadragon.Viewer, ViewerControls>();

export function viewerControls(viewer: OpenSeadragon.Viewer): ViewerControls | undefined {
  return controls.get(viewer);
}

/** Full-resolution image pixel coordinates to viewport coordinates (single-image viewer). */
export function imageToViewport(viewer: OpenSeadragon.Viewer, x: number, y: number): OpenSeadragon.Point {
  return viewer.viewport.imageToViewportCoordinates(new OpenSeadragon.Point(x, y));
}

/** Viewport coordinates to full-resolution image pixel coordinates. */
export function viewportToImage(viewer: OpenSeadragon.Viewer, point: OpenSeadragon.Point): OpenSeadragon.Point {
  return viewer.viewport.viewportToImageCoordinates(point);
}

function button(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const el = document.createElement("button");
  el.type = "button";
  el.textContent = label;
  el.title = title;
  el.addEventListener("click", onClick);
  return el;
}

function slider(name: string, min: number, max: number, step: number): HTMLInputElement {
  const input = document.createElement("input");
  input.type = "range";
  input.name = name;
  input.min = String(min);
  input.max = String(max);
  input.step = String(step);
  input.setAttribute("aria-label", name);
  return input;
}

export function createMosaicViewer(
  element: HTMLElement,
  mosaic: MosaicInfo,
  options: MosaicViewerOptions = {},
): OpenSeadragon.Viewer {
  const { showNavigator = true, keyboardShortcuts = true, showToolbar = true } = options;
  element.classList.add("rcm-viewer");
  const stage = document.createElement("div");
  stage.className = "rcm-viewer__stage";
  element.appendChild(stage);

  const viewer = OpenSeadragon({
    element: stage,
    tileSources: mosaic.dziUrl,
    // WebGL where the GPU draws it, a 2D canvas where WebGL would run in software (drawer.ts).
    drawer: pageDrawer(),
    showNavigationControl: false,
    showNavigator,
    navigatorPosition: "BOTTOM_RIGHT",
    // Readers keep their bearings on a 12k mosaic: the overview stays, it does not fade out.
    navigatorAutoFade: false,
    // Up to 4 screen pixels per image pixel: enough to judge single cells.
    maxZoomPixelRatio: 4,
    visibilityRatio: 0.5,
    minZoomImageRatio: 0.5,
    gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true },
  });

  const filter = createGreyFilter(element);
  let adjustment: Adjustment = { ...IDENTITY };
  const applyFilter = (): void => {
    const css = isIdentity(adjustment) ? "" : filter.url;
    for (const drawer of [viewer.drawer, viewer.navigator?.drawer]) {
      if (drawer?.canvas) drawer.canvas.style.filter = css;
    }
  };
  // Drawers can be replaced (e.g. WebGL context loss): re-apply when a new one opens.
  viewer.addHandler("open", applyFilter);

  const sliders = {
    brightness: slider("brightness", -0.5, 0.5, 0.01),
    contrast: slider("contrast", 0.2, 3, 0.05),
    gamma: slider("gamma", 0.3, 3, 0.05),
  };
  const presetSelect = document.createElement("select");
  presetSelect.name = "preset";
  presetSelect.setAttribute("aria-label", "grey preset");
  for (const preset of PRESETS) presetSelect.add(new Option(preset.label, preset.key));
  presetSelect.add(new Option("Custom", "custom"));

  const setAdjustment = (adjust: Adjustment): void => {
    adjustment = { brightness: adjust.brightness, contrast: adjust.contrast, gamma: adjust.gamma };
    filter.set(adjustment);
    applyFilter();
    sliders.brightness.value = String(adjustment.brightness);
    sliders.contrast.value = String(adjustment.contrast);
    sliders.gamma.value = String(adjustment.gamma);
    const match = PRESETS.find(
      (p) => p.brightness === adjustment.brightness && p.contrast === adjustment.contrast && p.gamma === adjustment.gamma,
    );
    presetSelect.value = match ? match.key : "custom";
    element.dataset.preset = presetSelect.value;
  };
  const setPreset = (key: string): void => {
    const preset = PRESETS.find((p) => p.key === key);
    if (preset) setAdjustment(preset);
  };
  const nextPreset = (step: number): void => {
    const index = PRESETS.findIndex((p) => p.key === presetSelect.value);
    setPreset(PRESETS[(index + step + PRESETS.length) % PRESETS.length].key);
  };
  const zoomToActualSize = (): void => {
    const ratio = window.devicePixelRatio || 1;
    viewer.viewport.zoomTo(viewer.viewport.imageToViewportZoom(1 / ratio));
  };
  const fit = (): void => {
    viewer.viewport.goHome();
  };

  const toolbar = document.createElement("div");
  toolbar.className = "rcm-viewer__toolbar";
  toolbar.hidden = !showToolbar;
  presetSelect.addEventListener("change", () => setPreset(presetSelect.value));
  for (const [key, input] of Object.entries(sliders)) {
    input.addEventListener("input", () => setAdjustment({ ...adjustment, [key]: Number(input.value) }));
  }
  const label = (text: string, input: HTMLElement): HTMLLabelElement => {
    const el = document.createElement("label");
    el.append(text, input);
    return el;
  };
  toolbar.append(
    button("Fit", "Fit the whole mosaic (0)", fit),
    button("1:1", "One image pixel per screen pixel (1)", zoomToActualSize),
    label("Grey ", presetSelect),
    label("B ", sliders.brightness),
    label("C ", sliders.contrast),
    label("γ ", sliders.gamma),
  );
  toolbar.title = SHORTCUT_HELP.map(([key, what]) => `${key}: ${what}`).join("\n");
  element.appendChild(toolbar);

  attachScaleBar(viewer, mosaic.umPerPx);
  const unbind = keyboardShortcuts ? bindShortcuts({ actualSize: zoomToActualSize, fit, nextPreset }) : () => {};
  setAdjustment(IDENTITY);

  const destroy = (): void => {
    unbind();
    viewer.destroy();
    element.replaceChildren();
  };
  controls.set(viewer, {
    mosaic,
    zoomToActualSize,
    fit,
    setAdjustment,
    getAdjustment: () => ({ ...adjustment }),
    setPreset,
    destroy,
  });
  return viewer;
}
