// The reader's workspace (/reads/{id}/): the mosaic, the drawing tools, the
// read's case-level fields. This module only wires the parts together, in the
// order they depend on each other; each behaviour lives in src/workspace/, and
// the page's parts in src/workspace/page/:
//   session     the read's data, outbox of unsaved edits, editor, viewer and overlay, shared state
//   drawing     selection, labels, brush size, tools
//   display     opacity, outlines, layers
//   indicators  save status and conflict banner, region count, undo/redo buttons
//   keyboard    shortcut -> action
//   pending     edits left by an earlier visit or kept at a conflict: replayed, or the reader's choice
import OpenSeadragon from "openseadragon";
import "../styles/workspace.css";
import { setUpAdjudication } from "../workspace/adjudication/panel";
import { setUpAILayer } from "../workspace/ai/layer";
import { CaseFields } from "../workspace/caseFields";
import { setUpCoverage } from "../workspace/page/coverage";
import { setUpDisplay } from "../workspace/page/display";
import { setUpDrawing, type Drawing } from "../workspace/page/drawing";
import { showHistory, showRegionCount, showSaveState } from "../workspace/page/indicators";
import { keyboardActions, listenForShortcuts } from "../workspace/page/keyboard";
import { pendingEdits } from "../workspace/page/pending";
import { openWorkspace, type Workspace } from "../workspace/page/session";
import { element } from "../workspace/panels";

async function main(): Promise<void> {
  const ws = await openWorkspace();
  const drawing = setUpDrawing(ws);
  const display = setUpDisplay(ws);
  const fields = setUpCaseFields(ws, () => applyEditable());
  const applyEditable = (): void => setEditable(ws, drawing, fields);
  const pending = pendingEdits(ws, fields, applyEditable);
  showSaveState(ws, {
    onConflict: () => {
      applyEditable();
      void pending.afterConflict().then(applyEditable);
    },
    onSaved: () => fields.markStarted(),
  });
  showRegionCount(ws);
  showHistory(ws);
  applyEditable();
  // The AI layer (src/workspace/ai/): heatmap, suggestions and the reader's decisions, by the project's protocol.
  const ai = setUpAILayer(ws, drawing.select);
  listenForShortcuts({ ...keyboardActions(ws, drawing, display, fields), ...ai });
  whenFirstDrawn(ws);
  exposeForTests(ws, drawing);
  setUpCoverage(ws, fields);
  // A lead's consensus read: the adjudication panel (src/workspace/adjudication/).
  if (ws.read.kind === "consensus" && ws.boot.isLead) {
    setUpAdjudication(ws).catch((error: unknown) => ws.say(`Adjudication could not load: ${error instanceof Error ? error.message : error}`));
  }
  await pending.restore();
}

/** Diagnosis, confidence, note, "no suspicious area" and submit; submitting locks the page. */
function setUpCaseFields(ws: Workspace, onLocked: () => void): CaseFields {
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
    ws.queue,
    ws.vocabulary,
  );
  fields.onError = ws.say;
  fields.onSubmitted = (submitted) => {
    ws.state.status = submitted.status;
    onLocked();
    ws.say("Read submitted. It is now locked.");
  };
  fields.show(ws.read);
  return fields;
}

/** Enables or disables every control that changes the read (after a submit or a conflict: read-only). */
function setEditable(ws: Workspace, drawing: Drawing, fields: CaseFields): void {
  const canEdit = ws.editable();
  ws.root.dataset.readonly = String(!canEdit);
  fields.setEditable(canEdit);
  for (const button of drawing.toolButtons) button.disabled = !canEdit && button.dataset.tool !== "select";
  drawing.brushInput.disabled = !canEdit;
  if (!canEdit) drawing.tools.setTool("select");
  ws.editor.onHistory();
}

/** Draws the regions once the image is open and they are in; data-ready tells tests and benchmarks the page is up. */
function whenFirstDrawn(ws: Workspace): void {
  // The mosaic may have opened while the regions were fetched: a promise, not the "open" event.
  void ws.opened.then(() => {
    ws.renderer.draw();
    performance.mark("workspace:first-draw");
    ws.root.dataset.ready = "true";
    // A large read opened with outlines: full detail streams in now, what is on screen first.
    // data-detail tells tests and benchmarks when every region is at full detail.
    ws.root.dataset.detail = ws.detailStream ? "outline" : "full";
    void ws.streamDetail().then(() => {
      performance.mark("workspace:full-detail");
      ws.root.dataset.detail = ws.editor.outlineCount === 0 ? "full" : "partial";
    });
  });
  ws.renderer.onDraw = (stats) => {
    ws.root.dataset.drawnRegions = String(stats.regions);
  };
}

/** For tests and benchmarks: the live objects and image -> page coordinates (no behaviour depends on it). */
function exposeForTests(ws: Workspace, drawing: Drawing): void {
  const { viewer, renderer, editor, queue } = ws;
  const imageToClient = (x: number, y: number): [number, number] => {
    const point = viewer.viewport.imageToViewerElementCoordinates(new OpenSeadragon.Point(x, y));
    const rect = viewer.canvas.getBoundingClientRect();
    return [rect.left + point.x, rect.top + point.y];
  };
  const detailStream = ws.detailStream;
  Object.assign(window, {
    rcmWorkspace: { viewer, renderer, editor, tools: drawing.tools, queue, imageToClient, detailStream },
  });
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
