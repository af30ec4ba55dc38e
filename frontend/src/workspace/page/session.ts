// What the parts of the workspace page share, built once when the page opens: the
// read's data from the API, the outbox of unsaved edits and the editor, the viewer with its
// overlay, the page's changing state, and one place for messages to the reader.
// src/pages/workspace.ts hands it to each part (indicators, drawing, display,
// case fields, keyboard).
import type OpenSeadragon from "openseadragon";
import { api, withQuery } from "../../lib/api";
import { createMosaicViewer, viewerControls, type ViewerControls } from "../../viewer/mosaicViewer";
import { DetailStream, planCells, STREAM_ABOVE_VERTICES, visiblyRefined } from "../detailStream";
import { Editor } from "../editor";
import { viewportBBox } from "../lod";
import { element } from "../panels";
import { openEditStore } from "../offline/idb";
import { Outbox } from "../offline/outbox";
import { claimPage } from "../offline/owners";
import { editSender } from "../offline/transport";
import { OverlayRenderer, type Layer } from "../renderer";
import type { BBox, Read, ReadStatus, Region, RegionList, Vocabulary, WorkspaceBootstrap } from "../types";

/** What changes while the page is open. */
export interface WorkspaceState {
  status: ReadStatus;
  /** The label new regions get. */
  label: string;
  brushUm: number;
}

export interface Workspace {
  root: HTMLElement;
  boot: WorkspaceBootstrap;
  vocabulary: Vocabulary;
  read: Read;
  /** Label value -> its colour. */
  colours: Map<string, string>;
  /** Every edit goes through it: kept in IndexedDB until saved, sent in order, retried. */
  queue: Outbox;
  /** Whether unsaved edits survive a reload (false when the browser refuses IndexedDB). */
  persistent: boolean;
  editor: Editor;
  viewer: OpenSeadragon.Viewer;
  controls: ViewerControls | undefined;
  renderer: OverlayRenderer;
  /** The regions of the read being edited (other readers' layers come later). */
  ownLayer: Layer;
  state: WorkspaceState;
  /** Resolves once OpenSeadragon has opened the mosaic (it may open before the regions arrive). */
  opened: Promise<void>;
  /** Whether the reader may change the read now: allowed, not submitted, no conflict. */
  editable(): boolean;
  /** Tell the reader something; the message fades after a few seconds. */
  say(text: string): void;
  /**
   * Replaces the outlines the read opened with by full geometry, on screen first
   * (resolves at once when it opened at full detail). Started once the viewer is open.
   */
  streamDetail(): Promise<void>;
  /** The stream, while and after it runs (null for a read opened at full detail). */
  detailStream: DetailStream | null;
}

const DEFAULT_BRUSH_UM = 20;
const MESSAGE_MS = 6000;

/** Fetches the read, its regions and the vocabulary, and builds the editor and viewer over them. */
export async function openWorkspace(): Promise<Workspace> {
  const root = element<HTMLElement>("workspace");
  const boot = JSON.parse(element("workspace-data").textContent ?? "{}") as WorkspaceBootstrap;
  // The viewer opens the mosaic while the data is fetched (its tile source is a request of its own).
  const viewer = createMosaicViewer(element("workspace-viewer"), boot.mosaic, { showNavigator: true });
  const opened = new Promise<void>((resolve) => viewer.addOnceHandler("open", () => resolve()));
  // Outlines first (issue 13): a few hundred bytes a region, all the opening view can show.
  const [vocabulary, read, outlines, { store, persistent }] = await Promise.all([
    api.get<Vocabulary>(boot.urls.vocabulary),
    api.get<Read>(boot.urls.read),
    api.get<RegionList>(withQuery(boot.urls.regions, { outline: "true" })),
    openEditStore(),
  ]);
  const vertices = outlines.results.reduce((sum, region) => sum + (region.vertex_count ?? 0), 0);
  // A small read is fetched whole before the first paint: nothing to stream, nothing held as an outline.
  const regions = vertices > STREAM_ABOVE_VERTICES ? outlines : await api.get<RegionList>(boot.urls.regions);
  performance.mark("workspace:data-fetched");

  const colours = new Map(vocabulary.labels.map((label) => [label.value, label.colour]));
  const send = editSender(boot.urls, (id) => editor.confirmedVersion(id));
  const readVersion = Math.max(read.version, regions.read_version);
  const queue = new Outbox({ readId: boot.readId, page: claimPage(), readVersion, send, store });
  const editor = new Editor(queue, { regions: boot.urls.regions, regionBase: boot.urls.regionBase });
  editor.load(regions.results, regions.detail === "outline" ? "outline" : "full");
  performance.mark("workspace:regions-indexed");

  const renderer = new OverlayRenderer(viewer, colours);
  const ownLayer: Layer = { key: "own", store: editor.store, visible: true, dashed: false };
  renderer.layers.push(ownLayer);

  const state: WorkspaceState = {
    status: read.status,
    label: vocabulary.labels[0].value,
    brushUm: Number(element<HTMLInputElement>("brush-radius").value) || DEFAULT_BRUSH_UM,
  };
  const say = messenger(element<HTMLElement>("ws-message"));
  editor.onError = say;
  const detailStream =
    regions.detail === "outline"
      ? new DetailStream(planCells(boot.mosaic.width, boot.mosaic.height, regions.results.length), {
          fetch: async (bbox: BBox): Promise<Region[]> =>
            (await api.get<RegionList>(withQuery(boot.urls.regions, { bbox: bbox.join(",") }))).results,
          apply: (full) => {
            const refined = editor.upgrade(full, true);
            const t = renderer.transform();
            if (visiblyRefined(refined, viewportBBox(t, renderer.canvas.width, renderer.canvas.height), t.scale)) {
              editor.store.touch();
            }
          },
          needs: (bbox) => editor.store.hasOutlines(bbox),
          view: () => viewportBBox(renderer.transform(), renderer.canvas.width, renderer.canvas.height),
        })
      : null;
  return {
    root,
    boot,
    vocabulary,
    read,
    colours,
    queue,
    persistent,
    editor,
    viewer,
    controls: viewerControls(viewer),
    renderer,
    ownLayer,
    state,
    editable: () => boot.canEdit && read.can_edit && state.status !== "submitted" && !queue.isStopped,
    say,
    opened,
    detailStream,
    streamDetail: () => (detailStream ? detailStream.run() : Promise.resolve()),
  };
}

function messenger(message: HTMLElement): (text: string) => void {
  let timer: number | undefined;
  return (text) => {
    message.textContent = text;
    message.hidden = false;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => (message.hidden = true), MESSAGE_MS);
  };
}
