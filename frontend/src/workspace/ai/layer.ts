// The workspace's AI layer: the panel (model, run status, score, or why the layer is
// hidden), the heatmap and suggestions on screen (overlay.ts), and the reader's
// decisions: accept (the suggestion becomes a region, ai_accepted), edit (drag its
// vertices here, then save: the region is ai_edited and the decision "edited"), reject, or accept / reject every suggestion inside a dragged rectangle. Each decision
// is a write to the read, so it goes through the page's outbox (kind "suggestion"), in
// order with the region edits on the read_version chain; the regions are reloaded after
// it so the editor (and its autosave) hold what the server holds.
//
// The page calls setUpAILayer once (src/pages/workspace.ts) and merges the returned
// keyboard actions into its own; everything else lives here.
import OpenSeadragon from "openseadragon";
import { api, ApiError } from "../../lib/api";
import "../../styles/ai.css";
import type { Workspace } from "../page/session";
import { moveVertex, nearestVertex, type VertexPath } from "../geometry";
import type { Geometry, Position, Read, Region, RegionList } from "../types";
import { describeRun, layerMode, nextId, rectangle, shownRun, undecided } from "./model";
import { AIOverlay } from "./overlay";
import type { AIBootstrap, AreaResult, DecisionBody, DecisionResult, PredictionRun, Suggestion } from "./types";

type Action = () => void;

/** Screen pixels within which a press grabs a vertex of the suggestion being edited (as tools.ts). */
const HANDLE_REACH = 8;

function node<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ""): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  if (text) element.textContent = text;
  return element;
}

function message(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("the heatmap could not load"));
    image.src = url;
  });
}

interface OsdPointer {
  position: OpenSeadragon.Point;
  preventDefaultAction: boolean;
}

/** Builds the AI layer for the workspace's read; answers the keyboard's AI actions. */
export function setUpAILayer(ws: Workspace, select: (region: Region | null) => void): Record<string, Action> {
  const section = document.getElementById("ai-layer");
  const boot = ws.boot.ai;
  const none: Record<string, Action> = {};
  if (!section || !boot) return none;
  const mode = layerMode(boot.protocol, ws.read.kind, ws.state.status);
  section.replaceChildren(node("h3", {}, "AI layer"));
  if (mode.kind === "hidden") {
    section.append(node("p", { class: "ai-note", id: "ai-note" }, mode.note));
    section.dataset.state = "hidden";
    watchSubmit(ws, () => setUpAILayerAgain(ws, select));
    return none;
  }
  if (mode.kind === "offer-aided") {
    offerAided(boot, section, mode.note);
    return none;
  }
  return showLayer(ws, boot, section, select);
}

/** Submitting the unaided read on this page turns the note into the offer of the aided read. */
function watchSubmit(ws: Workspace, then: () => void): void {
  if (ws.state.status === "submitted") return;
  const observer = new MutationObserver(() => {
    if (ws.state.status !== "submitted") return;
    observer.disconnect();
    then();
  });
  observer.observe(ws.root, { attributes: true, attributeFilter: ["data-readonly"] });
}

function setUpAILayerAgain(ws: Workspace, select: (region: Region | null) => void): void {
  setUpAILayer(ws, select);
}

function offerAided(boot: AIBootstrap, section: HTMLElement, note: string): void {
  const start = node("button", { type: "button", id: "start-aided" }, "Start aided read");
  const said = node("p", { class: "ai-note", id: "ai-note" }, note);
  start.addEventListener("click", async () => {
    start.disabled = true;
    try {
      const aided = await api.post<Read>(boot.aided, null);
      window.location.assign(`${boot.workspaceBase}${aided.id}/`);
    } catch (error) {
      start.disabled = false;
      said.textContent = `The aided read could not start: ${message(error)}`;
    }
  });
  section.append(said, start);
  section.dataset.state = "offer-aided";
}

function showLayer(ws: Workspace, boot: AIBootstrap, section: HTMLElement, select: (region: Region | null) => void): Record<string, Action> {
  const overlay = new AIOverlay(ws.viewer, ws.renderer);
  const status = node("p", { class: "ai-status", id: "ai-run" }, "Loading the model's run…");
  const visible = node("input", { type: "checkbox", id: "ai-visible" });
  visible.checked = true;
  const heatmapBox = node("input", { type: "checkbox", id: "ai-heatmap" });
  heatmapBox.checked = true;
  const suggestionsBox = node("input", { type: "checkbox", id: "ai-suggestions" });
  suggestionsBox.checked = true;
  const opacity = node("input", { type: "range", id: "ai-opacity", min: "0", max: "1", step: "0.05", value: String(overlay.heatmapOpacity), "aria-label": "heatmap opacity" });
  const check = (box: HTMLInputElement, text: string, key = ""): HTMLLabelElement => {
    const label = node("label", { class: "ws-check" });
    label.append(box, ` ${text} `);
    if (key) label.append(node("kbd", {}, key));
    return label;
  };
  const list = node("ol", { class: "ai-suggestions", id: "ai-suggestion-list" });
  const actions = node("div", { class: "ai-buttons" });
  const button = (id: string, text: string, title: string, secondary = true): HTMLButtonElement =>
    node("button", { type: "button", id, title, class: secondary ? "secondary" : "" }, text);
  const acceptButton = button("ai-accept", "Accept", "Accept the current suggestion (A)", false);
  const editButton = button("ai-edit", "Edit", "Edit its outline (drag its vertices), then save: the region is ai_edited");
  const cancelEdit = button("ai-edit-cancel", "Cancel edit", "Leave the suggestion as it is");
  cancelEdit.hidden = true;
  const rejectButton = button("ai-reject", "Reject", "Reject the current suggestion (X)");
  const nextButton = button("ai-next", "Next", "Next suggestion (J)");
  const areaAccept = button("ai-area-accept", "Accept in area…", "Drag a rectangle: accept every suggestion inside it");
  const areaReject = button("ai-area-reject", "Reject in area…", "Drag a rectangle: reject every suggestion inside it");
  actions.append(acceptButton, editButton, cancelEdit, rejectButton, nextButton, areaAccept, areaReject);
  const opacityLabel = node("label", { class: "ai-opacity" }, "Heatmap opacity ");
  opacityLabel.append(opacity);
  section.append(
    status, check(visible, "Show the AI layer", "I"), check(heatmapBox, "Heatmap"), opacityLabel, check(suggestionsBox, "Suggestions"),
    actions, list,
  ); // prettier-ignore

  let run: PredictionRun | null = null;
  let suggestions: Suggestion[] = [];
  let current: number | null = null;
  let areaAction: "accept" | "reject" | null = null;
  let areaStart: Position | null = null;
  // Editing a suggestion: its outline is changed here (vertex drags), then sent to the edit endpoint (ai_edited).
  let editing: { id: number; geometry: Geometry; vertex: VertexPath | null } | null = null;
  const canDecide = (): boolean => ws.editable() && ws.boot.canEdit;

  const render = (): void => {
    const open = undecided(suggestions);
    if (current !== null && !open.some((s) => s.id === current)) current = nextId(open, null);
    overlay.suggestions = open;
    overlay.currentId = current;
    overlay.requestDraw();
    section.dataset.suggestions = String(open.length);
    section.dataset.current = current === null ? "" : String(current);
    list.replaceChildren(
      ...suggestions.map((suggestion) => {
        const item = node("li", { "data-suggestion": String(suggestion.id), "data-decision": suggestion.decision ?? "open" });
        if (suggestion.id === current) item.setAttribute("aria-current", "true");
        const zoom = node("button", { type: "button", class: "ai-zoom secondary" }, `#${suggestion.id}`);
        zoom.addEventListener("click", () => focus(suggestion.id));
        const area = Math.round(suggestion.area_px).toLocaleString();
        item.append(zoom, ` p ${suggestion.score.toFixed(2)} · ${area} px² · ${suggestion.decision ?? "open"}`);
        return item;
      }),
    );
    const decidable = canDecide() && current !== null;
    for (const b of [acceptButton, editButton, rejectButton]) b.disabled = !decidable;
    editButton.textContent = editing ? "Save edit" : "Edit";
    cancelEdit.hidden = !editing;
    section.dataset.editing = editing ? String(editing.id) : "";
    overlay.editing = editing;
    nextButton.disabled = open.length === 0;
    for (const b of [areaAccept, areaReject]) b.disabled = !canDecide() || open.length === 0;
  };

  const focus = (id: number | null): void => {
    current = id;
    render();
    const suggestion = suggestions.find((s) => s.id === id);
    if (!suggestion) return;
    const [x0, y0, x1, y1] = suggestion.bbox;
    const margin = Math.max(x1 - x0, y1 - y0) * 0.5 + 20;
    const bounds = ws.viewer.viewport.imageToViewportRectangle(x0 - margin, y0 - margin, x1 - x0 + 2 * margin, y1 - y0 + 2 * margin);
    const home = ws.viewer.viewport.getBounds();
    // Pan only when the suggestion is not on screen: the reader's zoom stays as it was.
    if (!home.containsPoint(bounds.getCenter())) ws.viewer.viewport.fitBounds(bounds);
  };

  const reloadSuggestions = async (): Promise<void> => {
    if (!run) return;
    const url = `${boot.suggestions}?model=${run.model}&read=${ws.boot.readId}`;
    suggestions = await api.get<Suggestion[]>(url);
    render();
  };

  /** Sends a decision through the outbox, then shows what the server holds. */
  const decide = async (url: string, body: DecisionBody, done: (result: DecisionResult) => string): Promise<DecisionResult | null> => {
    if (!canDecide()) return null;
    try {
      const result = await ws.queue.enqueue({ kind: "suggestion", url, body });
      const regions = await api.get<RegionList>(ws.boot.urls.regions);
      ws.editor.load(regions.results);
      ws.editor.undoStack.clear(); // the server wrote these regions: undo does not reach past them
      ws.editor.onHistory();
      ws.renderer.requestDraw();
      await reloadSuggestions();
      ws.say(done(result));
      return result;
    } catch (error) {
      ws.say(`The decision was not saved: ${message(error)}`);
      await reloadSuggestions().catch(() => undefined);
      return null;
    }
  };
  const decisionUrl = (id: number, action: "accept" | "reject"): string => `${boot.decisionBase}${id}/${action}/`;
  const accept = async (): Promise<void> => {
    if (current === null || editing) return;
    const id = current;
    const result = await decide(decisionUrl(id, "accept"), {}, () => `Suggestion #${id} accepted.`);
    if (result && "region" in result) select(ws.editor.store.get(result.region.id) ?? null);
  };
  /** First press: edit the current suggestion's outline; second: save it as the reader's region (ai_edited). */
  const edit = async (): Promise<void> => {
    if (!editing) {
      const suggestion = suggestions.find((s) => s.id === current);
      if (!suggestion || !canDecide()) return;
      editing = { id: suggestion.id, geometry: suggestion.geometry as Geometry, vertex: null };
      ws.say("Drag the suggestion's vertices, then save the edit.");
      render();
      return;
    }
    const { id, geometry } = editing;
    editing = null;
    render();
    const result = await decide(`${boot.decisionBase}${id}/edit/`, { geometry }, () => `Suggestion #${id} edited into your read.`);
    if (result && "region" in result) select(ws.editor.store.get(result.region.id) ?? null);
  };
  const reject = async (): Promise<void> => {
    if (current === null || editing) return;
    const id = current;
    await decide(decisionUrl(id, "reject"), {}, () => `Suggestion #${id} rejected.`);
  };
  const next = (): void => {
    if (!editing) focus(nextId(undecided(suggestions), current));
  };

  // --- the area: armed by a button, dragged on the viewer (OpenSeadragon's pan is held back) ---
  const armArea = (action: "accept" | "reject"): void => {
    areaAction = areaAction === action ? null : action;
    section.dataset.area = areaAction ?? "";
    ws.say(areaAction ? `Drag a rectangle on the mosaic: every suggestion at least half inside it is ${action}ed.` : "Area cancelled.");
  };
  const toImage = (event: OsdPointer): Position => {
    const point = ws.viewer.viewport.viewerElementToImageCoordinates(event.position);
    return [point.x, point.y];
  };
  ws.viewer.addHandler("canvas-press", (e) => {
    const at = toImage(e as unknown as OsdPointer);
    if (areaAction) areaStart = at;
    else if (editing) editing.vertex = nearestVertex(editing.geometry, at[0], at[1], HANDLE_REACH / ws.renderer.cssScale());
  });
  ws.viewer.addHandler("canvas-drag", (e) => {
    const event = e as unknown as OsdPointer;
    if (editing?.vertex) {
      event.preventDefaultAction = true; // the vertex moves, the mosaic does not pan
      const [x, y] = toImage(event);
      editing.geometry = moveVertex(editing.geometry, editing.vertex, x, y);
      overlay.editing = editing;
      overlay.requestDraw();
      return;
    }
    if (!areaAction || !areaStart) return;
    event.preventDefaultAction = true;
    overlay.area = [areaStart, toImage(event)];
    overlay.requestDraw();
  });
  ws.viewer.addHandler("canvas-release", (e) => {
    if (editing) editing.vertex = null;
    if (!areaAction || !areaStart) return;
    const action = areaAction;
    const end = toImage(e as unknown as OsdPointer);
    const start = areaStart;
    areaAction = null;
    areaStart = null;
    overlay.area = null;
    section.dataset.area = "";
    overlay.requestDraw();
    if (Math.abs(end[0] - start[0]) < 1 || Math.abs(end[1] - start[1]) < 1) {
      ws.say("Area cancelled: drag a rectangle.");
      return;
    }
    const body = { action, geometry: rectangle(start, end), ...(run ? { model: run.model } : {}) };
    void decide(boot.area, body, (result) => {
      const area = result as AreaResult;
      return action === "accept" ? `${area.created.length} suggestion(s) accepted.` : `${area.rejected.length} suggestion(s) rejected.`;
    });
  });

  const setVisible = (value: boolean): void => {
    overlay.visible = value;
    visible.checked = value;
    section.dataset.visible = String(value);
    overlay.requestDraw();
  };
  visible.addEventListener("change", () => setVisible(visible.checked));
  heatmapBox.addEventListener("change", () => {
    overlay.showHeatmap = heatmapBox.checked;
    overlay.requestDraw();
  });
  suggestionsBox.addEventListener("change", () => {
    overlay.showSuggestions = suggestionsBox.checked;
    overlay.requestDraw();
  });
  opacity.addEventListener("input", () => {
    overlay.heatmapOpacity = Number(opacity.value);
    overlay.requestDraw();
  });
  acceptButton.addEventListener("click", () => void accept());
  editButton.addEventListener("click", () => void edit());
  cancelEdit.addEventListener("click", () => {
    editing = null;
    render();
  });
  rejectButton.addEventListener("click", () => void reject());
  nextButton.addEventListener("click", next);
  areaAccept.addEventListener("click", () => armArea("accept"));
  areaReject.addEventListener("click", () => armArea("reject"));
  // Submitting (or a conflict) makes the page read-only: the decision buttons follow.
  new MutationObserver(render).observe(ws.root, { attributes: true, attributeFilter: ["data-readonly"] });

  const load = async (): Promise<void> => {
    const runs = await api.get<PredictionRun[]>(boot.predictions);
    run = shownRun(runs);
    if (!run) {
      status.textContent = "No model has run on this mosaic yet.";
      section.dataset.state = "none";
      return;
    }
    status.textContent = describeRun(run);
    section.dataset.run = run.status;
    if (run.status !== "done") {
      section.dataset.state = run.status === "failed" ? "failed" : "pending";
      return;
    }
    const [image] = await Promise.all([
      loadImage(`${boot.heatmap}?model=${run.model}`),
      reloadSuggestions(),
    ]);
    overlay.heatmap = { image, downsample: run.heatmap_downsample ?? 1 };
    current = nextId(undecided(suggestions), null);
    render();
    overlay.draw();
    section.dataset.state = "ready";
  };
  section.dataset.state = "loading";
  render();
  load().catch((error: unknown) => {
    status.textContent = `The AI layer could not load: ${message(error)}`;
    section.dataset.state = "error";
  });

  return {
    "ai:accept": () => void accept(),
    "ai:reject": () => void reject(),
    "ai:next": next,
    "ai:toggle": () => setVisible(!overlay.visible),
  };
}
