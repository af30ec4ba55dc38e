// Adjudication in the workspace: on a consensus read, the lead resolves the proposed
// consensus component by component (an area some readers marked and others did not,
// or marked with other labels): accept one reader's reading there, leave it out, or
// redraw it by hand with the workspace's tools, each with a reason. A decision is a
// write to the consensus read (POST /api/reads/{id}/adjudication/), so it goes through
// the page's save queue (one write at a time, read_version checked) and the regions are
// reloaded after it; the consensus is submitted like any read, which versions it.
//
// Kept apart from the workspace's own modules: the page calls setUpAdjudication once
// (src/pages/workspace.ts) and everything else lives here.
import type OpenSeadragon from "openseadragon";
import { api, ApiError } from "../../lib/api";
import "../../styles/adjudication.css";
import { setUpDisagreementPanel } from "../../viewer/disagreement";
import { OverlayRenderer, type Layer } from "../renderer";
import { RegionStore, prepareRegion } from "../store";
import type { Geometry, RegionList } from "../types";
import type { Workspace } from "../page/session";
import { describeChoice, type Adjudication, type Component, type DecisionChoice } from "./types";

/** Component outlines: open ones orange, decided ones green (drawn as outlines over the consensus). */
const STATUS_COLOURS = { open: "#ff8c00", decided: "#5bd08b" };

function node<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ""): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  if (text) element.textContent = text;
  return element;
}

/** The adjudication URL of a read: /api/reads/{id}/adjudication/ (readBase is /api/reads/). */
export function adjudicationUrl(readBase: string, readId: number): string {
  return `${readBase}${readId}/adjudication/`;
}

/** Zoom the viewer to a component's box with a margin. */
function zoomTo(viewer: OpenSeadragon.Viewer, bbox: number[]): void {
  const [x0, y0, x1, y1] = bbox;
  const margin = Math.max(x1 - x0, y1 - y0) * 0.3 + 20;
  const rect = viewer.viewport.imageToViewportRectangle(x0 - margin, y0 - margin, x1 - x0 + 2 * margin, y1 - y0 + 2 * margin);
  viewer.viewport.fitBounds(rect);
}

class ComponentOutlines {
  readonly store = new RegionStore();
  private readonly renderer: OverlayRenderer;
  private readonly layer: Layer;

  constructor(viewer: OpenSeadragon.Viewer) {
    this.renderer = new OverlayRenderer(viewer, new Map(Object.entries(STATUS_COLOURS)));
    this.renderer.canvas.classList.add("adj-overlay");
    this.renderer.outlineOnly = true;
    this.layer = { key: "components", store: this.store, visible: true, dashed: false };
    this.renderer.layers.push(this.layer);
  }

  show(components: Component[]): void {
    this.store.load(
      components.map((component) =>
        prepareRegion({
          id: component.id,
          read: 0,
          provenance: "consensus",
          version: 1,
          area_px: component.area_px,
          label: component.status === "open" ? "open" : "decided",
          geometry: component.geometry as Geometry,
          bbox: [0, 0, 0, 0],
        }),
      ),
    );
    this.renderer.requestDraw();
  }

  set visible(value: boolean) {
    this.layer.visible = value;
    this.renderer.requestDraw();
  }
}

/** Builds the adjudication panel when the workspace's read is a consensus under adjudication. */
export async function setUpAdjudication(ws: Workspace): Promise<void> {
  const url = adjudicationUrl(ws.boot.urls.readBase, ws.boot.readId);
  let current = await api.get<Adjudication>(url);
  const outlines = new ComponentOutlines(ws.viewer);

  const section = node("section", { id: "adjudication", class: "adj", "aria-label": "Adjudication" });
  const head = node("h2", {}, "Adjudication");
  const summary = node("p", { class: "adj-summary", id: "adjudication-summary" });
  const outlineToggle = node("input", { type: "checkbox", id: "adjudication-outlines" });
  outlineToggle.checked = true;
  const outlineLabel = node("label", { class: "ws-check" });
  outlineLabel.append(outlineToggle, " Outline the components (orange: open)");
  const mapPanel = node("div", { id: "disagreement-panel", class: "dm-panel adj-map" });
  mapPanel.dataset.url = ws.boot.urls.mosaicReads.replace(/reads\/$/, "agreement/");
  const list = node("ol", { class: "adj-components", id: "adjudication-components" });
  section.append(head, summary, outlineLabel, list, mapPanel);
  const side = document.querySelector(".ws-side");
  const fields = document.getElementById("case-fields");
  if (fields?.parentElement === side) fields.after(section);
  else side?.append(section);
  outlineToggle.addEventListener("change", () => (outlines.visible = outlineToggle.checked));
  void setUpDisagreementPanel(ws.viewer, mapPanel, false).catch(() => mapPanel.remove());

  const render = (): void => {
    const { sources, components, open } = current;
    summary.textContent =
      `Started from the ${current.start} of ${sources.map((s) => `${s.letter.toUpperCase()} = ${s.reader}`).join(", ")}. ` +
      (open ? `${open} of ${components.length} component(s) still open.` : `All ${components.length} component(s) decided.`);
    section.dataset.open = String(open);
    outlines.show(components);
    list.replaceChildren(...components.map((component) => componentItem(component)));
  };

  const componentItem = (component: Component): HTMLLIElement => {
    const item = node("li", { "data-component": String(component.id), "data-status": component.status, class: "adj-component" });
    const title = node("button", { type: "button", class: "adj-zoom secondary", title: "Show it" }, `#${component.id}`);
    title.addEventListener("click", () => zoomTo(ws.viewer, component.bbox));
    const marked = component.sources
      .map((s) => `${s.letter.toUpperCase()}: ${s.labels.length ? s.labels.join(", ") : "nothing"}`)
      .join(" · ");
    item.append(title, node("span", { class: "adj-kind" }, ` ${component.kind === "label" ? "labels differ" : "extent differs"} · ${Math.round(component.area_px).toLocaleString()} px² `));
    item.append(node("div", { class: "adj-marked" }, marked));
    if (component.decision) {
      const d = component.decision;
      item.append(node("div", { class: "adj-decision", "data-choice": d.choice }, `${describeChoice(d.choice, current.sources)} by ${d.decided_by ?? "?"}: “${d.reason}”`));
    }
    if (!ws.editable()) return item;
    const reason = node("input", { type: "text", class: "adj-reason", placeholder: "reason (required)", maxlength: "2000", "aria-label": `reason for component ${component.id}` });
    const buttons = node("div", { class: "adj-buttons" });
    const choices: [DecisionChoice, string][] = [
      ...current.sources.map((s): [DecisionChoice, string] => [`accept_${s.letter}` as DecisionChoice, `Accept ${s.letter.toUpperCase()}`]),
      ["reject", "Leave out"],
      ["redraw", "Redraw"],
    ];
    for (const [choice, name] of choices) {
      const button = node("button", { type: "button", "data-choice": choice, class: choice.startsWith("accept") ? "" : "secondary" }, name);
      button.addEventListener("click", () => void decide(component, choice, reason.value));
      buttons.append(button);
    }
    item.append(reason, buttons);
    return item;
  };

  const decide = async (component: Component, choice: DecisionChoice, reason: string): Promise<void> => {
    if (!reason.trim()) {
      ws.say("Give the reason for the decision first.");
      return;
    }
    try {
      // Through the page's outbox: in order with the region edits, kept if the server is away.
      current = await ws.queue.enqueue({ kind: "adjudicate", url, body: { component: component.id, choice, reason } });
      // The server rewrote the consensus's regions inside the component: show what it holds now.
      const regions = await api.get<RegionList>(ws.boot.urls.regions);
      ws.editor.load(regions.results);
      ws.editor.undoStack.clear();
      ws.editor.onHistory();
      ws.renderer.requestDraw();
      render();
      ws.say(choice === "redraw" ? `Component #${component.id}: redraw it with the tools.` : `Component #${component.id} ${describeChoice(choice, current.sources)}.`);
      if (choice === "redraw") zoomTo(ws.viewer, component.bbox);
    } catch (error) {
      ws.say(`The decision was not saved: ${error instanceof ApiError ? error.message : String(error)}`);
    }
  };

  render();
  // Submitting (or a conflict) makes the page read-only: drop the decision buttons then.
  new MutationObserver(render).observe(ws.root, { attributes: true, attributeFilter: ["data-readonly"] });
  ws.root.dataset.adjudication = "ready";
}
