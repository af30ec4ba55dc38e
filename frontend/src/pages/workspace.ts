// The reader's workspace (/reads/{id}/): the mosaic, the drawing tools, the
// read's case-level fields. This module only wires the parts together; each
// behaviour lives in src/workspace/.
import OpenSeadragon from "openseadragon";
import "../styles/workspace.css";
import { createMosaicViewer, viewerControls } from "../viewer/mosaicViewer";
import { isTypingTarget } from "../viewer/shortcuts";
import { api } from "../workspace/api";
import { CaseFields } from "../workspace/caseFields";
import { Editor } from "../workspace/editor";
import { isViewerOnlyKey, labelIndex, matchShortcut } from "../workspace/keys";
import { buildHelp, buildLegend, buildReaderLayers, element, SelectionPanel } from "../workspace/panels";
import { OverlayRenderer, type Layer } from "../workspace/renderer";
import { SaveQueue, type SaveState } from "../workspace/saveQueue";
import { Tools, type ToolName } from "../workspace/tools";
import type { Read, Region, Vocabulary, WorkspaceBootstrap } from "../workspace/types";

const SAVE_LABELS: Record<SaveState, string> = {
  saved: "Saved",
  saving: "Saving…",
  error: "Error — not saved",
  conflict: "Not saved — reload",
};

async function main(): Promise<void> {
  const root = element<HTMLElement>("workspace");
  const boot = JSON.parse(element("workspace-data").textContent ?? "{}") as WorkspaceBootstrap;
  const [vocabulary, read, regions] = await Promise.all([
    api.get<Vocabulary>(boot.urls.vocabulary),
    api.get<Read>(boot.urls.read),
    api.get<{ read_version: number; results: Region[] }>(boot.urls.regions),
  ]);

  performance.mark("workspace:data-fetched");
  const colours = new Map(vocabulary.labels.map((label) => [label.value, label.colour]));
  const queue = new SaveQueue(Math.max(read.version, regions.read_version));
  const editor = new Editor(queue, { regions: boot.urls.regions, erase: boot.urls.erase, regionBase: boot.urls.regionBase });
  editor.load(regions.results);
  performance.mark("workspace:regions-indexed");

  const viewer = createMosaicViewer(element("workspace-viewer"), boot.mosaic, { showNavigator: true });
  const controls = viewerControls(viewer);
  const renderer = new OverlayRenderer(viewer, colours);
  const ownLayer: Layer = { key: "own", store: editor.store, visible: true, dashed: false };
  renderer.layers.push(ownLayer);

  // --- state shown on the page -------------------------------------------------
  let status = read.status;
  let label = vocabulary.labels[0].value;
  let brushUm = Number(element<HTMLInputElement>("brush-radius").value) || 20;
  const editable = (): boolean => boot.canEdit && read.can_edit && status !== "submitted" && !queue.isStopped;

  const message = element<HTMLElement>("ws-message");
  let messageTimer: number | undefined;
  const say = (text: string): void => {
    message.textContent = text;
    message.hidden = false;
    window.clearTimeout(messageTimer);
    messageTimer = window.setTimeout(() => (message.hidden = true), 6000);
  };
  editor.onError = say;

  const saveStatus = element<HTMLElement>("save-status");
  queue.onState((state, error) => {
    root.dataset.saveState = state;
    saveStatus.textContent = SAVE_LABELS[state];
    saveStatus.title = error;
    if (state === "conflict") {
      element("conflict-banner").hidden = false;
      applyEditable();
    }
    if (state === "saved" && queue.readVersion > read.version) fields.markStarted();
  });
  element("reload").addEventListener("click", () => window.location.reload());
  window.addEventListener("beforeunload", (event) => {
    if (queue.state === "saving") event.preventDefault();
  });

  const regionCount = element<HTMLElement>("region-count");
  editor.store.onChange(() => {
    regionCount.textContent = String(editor.store.size);
    root.dataset.regionCount = String(editor.store.size);
    if (renderer.selectedId !== null) selection.show(editor.store.get(renderer.selectedId) ?? null, editable());
    renderer.requestDraw();
  });
  regionCount.textContent = String(editor.store.size);
  root.dataset.regionCount = String(editor.store.size);

  const undoButton = element<HTMLButtonElement>("undo");
  const redoButton = element<HTMLButtonElement>("redo");
  editor.onHistory = () => {
    undoButton.disabled = !editable() || !editor.undoStack.canUndo;
    redoButton.disabled = !editable() || !editor.undoStack.canRedo;
    root.dataset.undoDepth = String(editor.undoStack.depth.undo);
    root.dataset.redoDepth = String(editor.undoStack.depth.redo);
  };
  undoButton.addEventListener("click", () => void editor.undo());
  redoButton.addEventListener("click", () => void editor.redo());

  // --- selection, labels, tools --------------------------------------------------
  const select = (region: Region | null): void => {
    renderer.selectedId = region?.id ?? null;
    root.dataset.selected = region ? String(region.id) : "";
    selection.show(region, editable());
    renderer.requestDraw();
  };
  const selection = new SelectionPanel(
    vocabulary,
    boot.mosaic.umPerPx,
    (region, value) => editable() && void editor.updateRegion(region.id, { label: value }),
    (region) => editable() && void deleteRegion(region.id),
  );
  const deleteRegion = async (id: number): Promise<void> => {
    select(null);
    await editor.deleteRegion(id);
  };

  const showLabel = buildLegend(vocabulary, (value) => chooseLabel(value));
  const chooseLabel = (value: string): void => {
    label = value;
    showLabel(label);
    const selected = renderer.selectedId === null ? undefined : editor.store.get(renderer.selectedId);
    if (selected && selected.label !== value && editable()) void editor.updateRegion(selected.id, { label: value });
  };
  showLabel(label);

  const brushInput = element<HTMLInputElement>("brush-radius");
  const setBrush = (um: number): void => {
    brushUm = Math.min(2000, Math.max(1, Math.round(um)));
    brushInput.value = String(brushUm);
    renderer.requestDraw();
  };
  brushInput.addEventListener("change", () => setBrush(Number(brushInput.value) || brushUm));

  const tools = new Tools(viewer, renderer, editor, {
    label: () => label,
    colour: (value) => colours.get(value) ?? "#cccccc",
    brushRadiusPx: () => brushUm / boot.mosaic.umPerPx,
    editable,
    select,
  });
  const toolButtons = [...document.querySelectorAll<HTMLButtonElement>("[data-tool]")].filter((b) => b.tagName === "BUTTON");
  tools.onToolChange = (tool) => {
    root.dataset.tool = tool;
    for (const button of toolButtons) button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
  };
  for (const button of toolButtons) button.addEventListener("click", () => tools.setTool(button.dataset.tool as ToolName));
  tools.setTool("select");

  // --- display options and layers --------------------------------------------------
  const opacity = element<HTMLInputElement>("opacity");
  const setOpacity = (value: number): void => {
    renderer.opacity = Math.min(1, Math.max(0, Math.round(value * 20) / 20));
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
  if (!boot.canEdit && read.reader) element("layer-own-name").textContent = `${read.reader}'s regions`;
  void buildReaderLayers(boot.urls.mosaicReads, boot.urls.readBase, boot.readId, renderer).catch((error) =>
    say(`Other readers' layers could not load: ${error instanceof Error ? error.message : error}`),
  );

  // --- case-level fields ---------------------------------------------------------
  const fields = new CaseFields(
    {
      form: element("case-fields"),
      diagnosis: element("diagnosis"),
      confidence: element("confidence"),
      note: element("note"),
      noSuspiciousArea: element("no-suspicious-area"),
      submit: element("submit-read"),
      status: element("read-status"),
    },
    queue,
    boot.urls.read,
    boot.urls.submit,
    vocabulary,
  );
  fields.onError = say;
  fields.onSubmitted = (submitted) => {
    status = submitted.status;
    applyEditable();
    say("Read submitted. It is now locked.");
  };
  fields.show(read);

  function applyEditable(): void {
    const canEdit = editable();
    root.dataset.readonly = String(!canEdit);
    fields.setEditable(canEdit);
    for (const button of toolButtons) button.disabled = !canEdit && button.dataset.tool !== "select";
    brushInput.disabled = !canEdit;
    if (!canEdit) tools.setTool("select");
    editor.onHistory();
  }
  applyEditable();

  // --- keyboard ------------------------------------------------------------------
  const help = buildHelp();
  const zoomBy = (factor: number): void => {
    viewer.viewport.zoomBy(factor);
    viewer.viewport.applyConstraints();
  };
  const actions: Record<string, (event: KeyboardEvent) => void> = {
    "tool:select": () => tools.setTool("select"),
    "tool:polygon": () => tools.setTool("polygon"),
    "tool:lasso": () => tools.setTool("lasso"),
    "tool:brush": () => tools.setTool("brush"),
    "tool:eraser": () => tools.setTool("eraser"),
    label: (event) => {
      const choice = vocabulary.labels[labelIndex(event)];
      if (choice) chooseLabel(choice.value);
    },
    "brush:smaller": () => setBrush(brushUm / 1.25),
    "brush:larger": () => setBrush(brushUm * 1.25),
    undo: () => editable() && void editor.undo(),
    redo: () => editable() && void editor.redo(),
    delete: () => {
      if (tools.drawingPolygon) tools.removeLastVertex();
      else if (renderer.selectedId !== null && editable()) void deleteRegion(renderer.selectedId);
    },
    finish: () => tools.closePolygon(),
    cancel: () => {
      if (help.isOpen()) help.toggle(false);
      else if (!tools.cancel()) select(null);
    },
    "zoom:fit": () => controls?.fit(),
    "zoom:in": () => zoomBy(1.5),
    "zoom:out": () => zoomBy(1 / 1.5),
    outline: () => setOutline(!renderer.outlineOnly),
    "opacity:down": () => setOpacity(renderer.opacity - 0.1),
    "opacity:up": () => setOpacity(renderer.opacity + 0.1),
    "layer:own": () => setOwnVisible(!ownLayer.visible),
    "focus:diagnosis": () => element("diagnosis").focus(),
    next: () => {
      if (boot.urls.nextRead) window.location.assign(boot.urls.nextRead);
      else say("No other open read in your worklist.");
    },
    submit: () => void fields.submit(),
    help: () => help.toggle(),
  };
  // Capture phase: the workspace's keys never reach OpenSeadragon's own handler
  // (its 'f' flips and 'r' rotates the image, which the overlay does not follow).
  window.addEventListener(
    "keydown",
    (event) => {
      if (isTypingTarget(event.target)) {
        if (event.key === "Escape") (event.target as HTMLElement).blur();
        return;
      }
      const shortcut = matchShortcut(event);
      if (!shortcut && !isViewerOnlyKey(event)) return;
      event.preventDefault();
      event.stopPropagation();
      if (shortcut) actions[shortcut.action]?.(event);
    },
    { capture: true },
  );

  // --- first draw ------------------------------------------------------------------
  viewer.addHandler("open", () => {
    renderer.draw();
    performance.mark("workspace:first-draw");
    root.dataset.ready = "true";
  });
  renderer.onDraw = (stats) => {
    root.dataset.drawnRegions = String(stats.regions);
  };
  // For tests and benchmarks: the live objects and image -> page coordinates (no behaviour depends on it).
  const imageToClient = (x: number, y: number): [number, number] => {
    const point = viewer.viewport.imageToViewerElementCoordinates(new OpenSeadragon.Point(x, y));
    const rect = viewer.canvas.getBoundingClientRect();
    return [rect.left + point.x, rect.top + point.y];
  };
  Object.assign(window, { rcmWorkspace: { viewer, renderer, editor, tools, queue, imageToClient } });
}

main().catch((error: unknown) => {
  const root = document.getElementById("workspace");
  if (root) root.dataset.ready = "error";
  const message = document.getElementById("ws-message");
  if (message) {
    message.hidden = false;
    message.textContent = `The workspace could not start: ${error instanceof Error ? error.message : String(error)}`;
  }
  throw error;
});
