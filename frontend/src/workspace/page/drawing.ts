// What the reader draws with and acts on: the selected region and its panel, the
// label for new regions (legend), the brush size, and the drawing tools with their
// buttons. The keyboard reaches the same actions through the returned Drawing.
import { buildLegend, element, SelectionPanel } from "../panels";
import { Tools, type ToolName } from "../tools";
import type { Region } from "../types";
import type { Workspace } from "./session";

const BRUSH_MIN_UM = 1;
const BRUSH_MAX_UM = 2000;

export interface Drawing {
  tools: Tools;
  toolButtons: HTMLButtonElement[];
  brushInput: HTMLInputElement;
  select(region: Region | null): void;
  deleteRegion(id: number): Promise<void>;
  /** The label for new regions; also relabels the selected region. */
  chooseLabel(value: string): void;
  setBrush(um: number): void;
}

export function setUpDrawing(ws: Workspace): Drawing {
  const { editor, renderer, state } = ws;

  const select = (region: Region | null): void => {
    renderer.selectedId = region?.id ?? null;
    ws.root.dataset.selected = region ? String(region.id) : "";
    selection.show(region, ws.editable());
    renderer.requestDraw();
    // Selected while still an outline: its full geometry now (the store's change redraws it with handles).
    if (region?.detail === "outline") void editor.ensureFull([region.id]);
  };
  const deleteRegion = async (id: number): Promise<void> => {
    select(null);
    await editor.deleteRegion(id);
  };
  const selection = new SelectionPanel(
    ws.vocabulary,
    ws.boot.mosaic.umPerPx,
    (region, value) => ws.editable() && void editor.updateRegion(region.id, { label: value }),
    (region) => ws.editable() && void deleteRegion(region.id),
  );
  // The selected region's panel follows its changes (a relabel, an undo).
  editor.store.onChange(() => {
    if (renderer.selectedId !== null) selection.show(editor.store.get(renderer.selectedId) ?? null, ws.editable());
  });

  const showLabel = buildLegend(ws.vocabulary, (value) => chooseLabel(value));
  const chooseLabel = (value: string): void => {
    state.label = value;
    showLabel(value);
    const selected = renderer.selectedId === null ? undefined : editor.store.get(renderer.selectedId);
    if (selected && selected.label !== value && ws.editable()) void editor.updateRegion(selected.id, { label: value });
  };
  showLabel(state.label);

  const brushInput = element<HTMLInputElement>("brush-radius");
  const setBrush = (um: number): void => {
    state.brushUm = Math.min(BRUSH_MAX_UM, Math.max(BRUSH_MIN_UM, Math.round(um)));
    brushInput.value = String(state.brushUm);
    renderer.requestDraw();
  };
  brushInput.addEventListener("change", () => setBrush(Number(brushInput.value) || state.brushUm));

  const tools = new Tools(ws.viewer, renderer, editor, {
    label: () => state.label,
    colour: (value) => ws.colours.get(value) ?? "#cccccc",
    brushRadiusPx: () => state.brushUm / ws.boot.mosaic.umPerPx,
    editable: ws.editable,
    select,
  });
  const toolButtons = [...document.querySelectorAll<HTMLButtonElement>("[data-tool]")].filter((b) => b.tagName === "BUTTON");
  tools.onToolChange = (tool) => {
    ws.root.dataset.tool = tool;
    for (const button of toolButtons) button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
  };
  for (const button of toolButtons) button.addEventListener("click", () => tools.setTool(button.dataset.tool as ToolName));
  tools.setTool("select");

  return { tools, toolButtons, brushInput, select, deleteRegion, chooseLabel, setBrush };
}
