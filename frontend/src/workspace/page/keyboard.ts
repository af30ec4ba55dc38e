// The workspace's keyboard: each shortcut of keys.ts (matched there, listed in the
// help) mapped to what it does on this page.
import { isTypingTarget } from "../../viewer/shortcuts";
import type { CaseFields } from "../caseFields";
import { isViewerOnlyKey, labelIndex, matchShortcut } from "../keys";
import { buildHelp, element } from "../panels";
import type { Display } from "./display";
import type { Drawing } from "./drawing";
import type { Workspace } from "./session";

type Action = (event: KeyboardEvent) => void;

const ZOOM_STEP = 1.5;
const BRUSH_STEP = 1.25;
const OPACITY_STEP = 0.1;

export function keyboardActions(ws: Workspace, drawing: Drawing, display: Display, fields: CaseFields): Record<string, Action> {
  const { editor, renderer, viewer, boot } = ws;
  const { tools } = drawing;
  const help = buildHelp();
  const zoomBy = (factor: number): void => {
    viewer.viewport.zoomBy(factor);
    viewer.viewport.applyConstraints();
  };
  return {
    "tool:select": () => tools.setTool("select"),
    "tool:polygon": () => tools.setTool("polygon"),
    "tool:lasso": () => tools.setTool("lasso"),
    "tool:brush": () => tools.setTool("brush"),
    "tool:eraser": () => tools.setTool("eraser"),
    label: (event) => {
      const choice = ws.vocabulary.labels[labelIndex(event)];
      if (choice) drawing.chooseLabel(choice.value);
    },
    "brush:smaller": () => drawing.setBrush(ws.state.brushUm / BRUSH_STEP),
    "brush:larger": () => drawing.setBrush(ws.state.brushUm * BRUSH_STEP),
    undo: () => ws.editable() && void editor.undo(),
    redo: () => ws.editable() && void editor.redo(),
    delete: () => {
      if (tools.drawingPolygon) tools.removeLastVertex();
      else if (renderer.selectedId !== null && ws.editable()) void drawing.deleteRegion(renderer.selectedId);
    },
    finish: () => tools.closePolygon(),
    cancel: () => {
      if (help.isOpen()) help.toggle(false);
      else if (!tools.cancel()) drawing.select(null);
    },
    "zoom:fit": () => ws.controls?.fit(),
    "zoom:in": () => zoomBy(ZOOM_STEP),
    "zoom:out": () => zoomBy(1 / ZOOM_STEP),
    outline: () => display.setOutline(!renderer.outlineOnly),
    "opacity:down": () => display.setOpacity(renderer.opacity - OPACITY_STEP),
    "opacity:up": () => display.setOpacity(renderer.opacity + OPACITY_STEP),
    "layer:own": () => display.setOwnVisible(!ws.ownLayer.visible),
    "focus:diagnosis": () => element("diagnosis").focus(),
    next: () => {
      if (boot.urls.nextRead) window.location.assign(boot.urls.nextRead);
      else ws.say("No other open read in your worklist.");
    },
    submit: () => void fields.submit(),
    help: () => help.toggle(),
  };
}

/** Runs the action of each shortcut pressed outside a text field. */
export function listenForShortcuts(actions: Record<string, Action>): void {
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
}
