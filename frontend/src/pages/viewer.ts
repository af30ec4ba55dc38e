// The mosaic viewer page (/mosaics/{id}/): reads the mosaic from its json_script tag
// and opens the shared viewer on it.
import OpenSeadragon from "openseadragon";
import { createMosaicViewer, type MosaicInfo } from "../viewer/mosaicViewer";

declare global {
  interface Window {
    rcmViewer?: OpenSeadragon.Viewer;
  }
}

const data = document.getElementById("mosaic-data");
const element = document.getElementById("mosaic-viewer");
if (data && element) {
  const mosaic = JSON.parse(data.textContent ?? "{}") as MosaicInfo;
  const viewer = createMosaicViewer(element, mosaic, { showNavigator: true });
  // Tests and power users reach the viewer from the console.
  window.rcmViewer = viewer;
  viewer.addHandler("tile-loaded", () => {
    element.dataset.tilesLoaded = String(Number(element.dataset.tilesLoaded ?? "0") + 1);
  });
  viewer.world.addHandler("add-item", (event) => {
    event.item.addHandler("fully-loaded-change", (change) => {
      element.dataset.fullyLoaded = String(change.fullyLoaded);
    });
  });
}
