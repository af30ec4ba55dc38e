// µm scale bar: the choice of a round length is pure (tested); the DOM part follows the viewport.
import type OpenSeadragon from "openseadragon";

export interface ScaleBarChoice {
  lengthUm: number;
  widthPx: number;
  label: string;
}

/** "200 µm" below a millimetre, "1 mm" / "2.5 mm" above. */
export function formatLength(um: number): string {
  if (um < 1000) return `${Number(um.toPrecision(3))} µm`;
  return `${Number((um / 1000).toPrecision(3))} mm`;
}

/**
 * The longest 1-2-5 × 10^n µm length whose bar fits in ``maxWidthPx`` screen pixels.
 * ``umPerScreenPx`` is the physical size of one CSS pixel at the current zoom.
 */
export function chooseScaleBar(umPerScreenPx: number, maxWidthPx = 160): ScaleBarChoice {
  if (!(umPerScreenPx > 0) || !(maxWidthPx > 0)) throw new RangeError("scale must be positive");
  const maxUm = umPerScreenPx * maxWidthPx;
  const decade = 10 ** Math.floor(Math.log10(maxUm));
  const step = [5, 2, 1].find((m) => m * decade <= maxUm) ?? 1;
  const lengthUm = step * decade;
  return { lengthUm, widthPx: lengthUm / umPerScreenPx, label: formatLength(lengthUm) };
}

/** µm per CSS pixel for a viewer showing an image of ``umPerPx`` at the current zoom. */
export function umPerScreenPixel(viewer: OpenSeadragon.Viewer, umPerPx: number): number {
  const imageZoom = viewer.viewport.viewportToImageZoom(viewer.viewport.getZoom(true));
  return umPerPx / imageZoom;
}

/** A bar in the bottom-left corner of the viewer, redrawn on every animation frame that moved. */
export function attachScaleBar(viewer: OpenSeadragon.Viewer, umPerPx: number): HTMLElement {
  const bar = document.createElement("div");
  bar.className = "rcm-scale-bar";
  bar.setAttribute("data-testid", "scale-bar");
  const line = document.createElement("div");
  line.className = "rcm-scale-bar__line";
  const label = document.createElement("span");
  label.className = "rcm-scale-bar__label";
  bar.append(line, label);
  viewer.element.appendChild(bar);
  const update = (): void => {
    if (viewer.world.getItemCount() === 0) return;
    const choice = chooseScaleBar(umPerScreenPixel(viewer, umPerPx));
    line.style.width = `${Math.round(choice.widthPx)}px`;
    label.textContent = choice.label;
  };
  viewer.addHandler("open", update);
  viewer.addHandler("animation", update);
  viewer.addHandler("resize", update);
  return bar;
}
