// The mosaic viewer page (/mosaics/{id}/): reads the mosaic from its json_script tag
// and opens the shared viewer on it. For a lead, the page also has the disagreement
// map's panel (shown at once with ?map=disagreement&pair=A,B, the dashboard's links).
import OpenSeadragon from "openseadragon";
import { setUpDisagreementPanel } from "../viewer/disagreement";
import { setUpAdjudicationLaunch } from "../workspace/adjudication/launch";
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
  Object.assign(window, {
    rcmPage: {
      viewer,
      imageToClient: (x: number, y: number): [number, number] => {
        const point = viewer.viewport.imageToViewerElementCoordinates(new OpenSeadragon.Point(x, y));
        const rect = viewer.canvas.getBoundingClientRect();
        return [rect.left + point.x, rect.top + point.y];
      },
    },
  });
  viewer.addHandler("tile-loaded", () => {
    element.dataset.tilesLoaded = String(Number(element.dataset.tilesLoaded ?? "0") + 1);
  });
  viewer.world.addHandler("add-item", (event) => {
    event.item.addHandler("fully-loaded-change", (change) => {
      element.dataset.fullyLoaded = String(change.fullyLoaded);
    });
  });
  const panel = document.getElementById("disagreement-panel");
  if (panel) {
    const query = new URLSearchParams(window.location.search);
    const pair = query.get("pair")?.split(",");
    setUpDisagreementPanel(viewer, panel, query.get("map") === "disagreement", pair).catch((error: unknown) => {
      panel.dataset.loaded = "error";
      panel.textContent = `The disagreement map could not load: ${error instanceof Error ? error.message : String(error)}`;
    });
  }
  const launch = document.getElementById("adjudication-launch");
  if (launch) void setUpAdjudicationLaunch(launch).catch(() => launch.remove());
}
