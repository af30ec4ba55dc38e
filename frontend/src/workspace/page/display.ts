// How the regions are shown: fill opacity, outlines only, the reader's own layer,
// and the other readers' layers (dashed, read-only; listed once they may be seen).
import { buildReaderLayers, element } from "../panels";
import type { Workspace } from "./session";

export interface Display {
  setOpacity(value: number): void;
  setOutline(value: boolean): void;
  setOwnVisible(value: boolean): void;
}

export function setUpDisplay(ws: Workspace): Display {
  const { renderer, ownLayer } = ws;
  const opacity = element<HTMLInputElement>("opacity");
  const setOpacity = (value: number): void => {
    renderer.opacity = Math.min(1, Math.max(0, Math.round(value * 20) / 20)); // steps of 5 %
    opacity.value = String(renderer.opacity);
    renderer.requestDraw();
  };
  opacity.addEventListener("input", () => setOpacity(Number(opacity.value)));

  const outline = element<HTMLInputElement>("outline-only");
  const setOutline = (value: boolean): void => {
    renderer.outlineOnly = value;
    outline.checked = value;
    renderer.requestDraw();
  };
  outline.addEventListener("change", () => setOutline(outline.checked));

  const ownBox = element<HTMLInputElement>("layer-own");
  const setOwnVisible = (value: boolean): void => {
    ownLayer.visible = value;
    ownBox.checked = value;
    renderer.requestDraw();
  };
  ownBox.addEventListener("change", () => setOwnVisible(ownBox.checked));
  if (!ws.boot.canEdit && ws.read.reader) element("layer-own-name").textContent = `${ws.read.reader}'s regions`;

  const { urls, readId } = ws.boot;
  void buildReaderLayers(urls.mosaicReads, urls.readBase, readId, renderer).catch((error) =>
    ws.say(`Other readers' layers could not load: ${error instanceof Error ? error.message : error}`),
  );
  return { setOpacity, setOutline, setOwnVisible };
}
