// What the page shows of the read's state: the save status ("Offline — 3 changes
// pending" while the server is away, and the banner after a conflict), the number of
// regions, and whether undo and redo are possible; and the "leave page?" guard.
import type { SaveState } from "../offline/outbox";
import { element } from "../panels";
import type { Workspace } from "./session";

function changes(count: number): string {
  return `${count} change${count === 1 ? "" : "s"}`;
}

function saveLabel(state: SaveState, pending: number): string {
  switch (state) {
    case "saved":
      return "Saved";
    case "saving":
      return pending > 1 ? `Saving — ${changes(pending)} pending` : "Saving…";
    case "offline":
      return `Offline — ${changes(pending)} pending`;
    case "error":
      return "Error — not saved";
    case "conflict":
      return "Not saved — see above";
  }
}

export interface SaveStateHooks {
  /** Saving stopped for good (another tab or reader saved first). */
  onConflict(): void;
  /** A write was saved: the server has started the read. */
  onSaved(): void;
}

export function showSaveState(ws: Workspace, hooks: SaveStateHooks): void {
  const saveStatus = element<HTMLElement>("save-status");
  let shown: SaveState = ws.queue.state;
  ws.queue.onState((state, error) => {
    ws.root.dataset.saveState = state;
    ws.root.dataset.pending = String(ws.queue.pending);
    saveStatus.textContent = saveLabel(state, ws.queue.pending);
    saveStatus.dataset.state = state;
    saveStatus.title = state === "offline" ? `The server is not answering (${error}); trying again.` : error;
    const entered = state !== shown;
    shown = state;
    if (state === "conflict" && entered) {
      element("conflict-banner").hidden = false;
      hooks.onConflict();
    }
    if (state === "saved" && ws.queue.readVersion > ws.read.version) hooks.onSaved();
  });
  ws.root.dataset.pending = String(ws.queue.pending);
  element("reload").addEventListener("click", () => window.location.reload());
  // The edits are kept in IndexedDB, but a reader leaving with unsaved work should know it.
  window.addEventListener("beforeunload", (event) => {
    if (ws.queue.pending > 0 || ws.queue.isStopped) {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when returnValue is set
    }
  });
  window.addEventListener("online", () => ws.queue.retryNow());
}

export function showRegionCount(ws: Workspace): void {
  const regionCount = element<HTMLElement>("region-count");
  const show = (): void => {
    regionCount.textContent = String(ws.editor.store.size);
    ws.root.dataset.regionCount = String(ws.editor.store.size);
  };
  ws.editor.store.onChange(() => {
    show();
    ws.renderer.requestDraw();
  });
  show();
}

/** The undo and redo buttons, enabled when there is a step and the read is editable. */
export function showHistory(ws: Workspace): void {
  const undoButton = element<HTMLButtonElement>("undo");
  const redoButton = element<HTMLButtonElement>("redo");
  const { editor } = ws;
  editor.onHistory = () => {
    undoButton.disabled = !ws.editable() || !editor.undoStack.canUndo;
    redoButton.disabled = !ws.editable() || !editor.undoStack.canRedo;
    ws.root.dataset.undoDepth = String(editor.undoStack.depth.undo);
    ws.root.dataset.redoDepth = String(editor.undoStack.depth.redo);
  };
  undoButton.addEventListener("click", () => void editor.undo());
  redoButton.addEventListener("click", () => void editor.redo());
}
