// The workspace's side panels: label legend, selected region, other readers'
// layers and the keyboard help. DOM only; the decisions live in the editor.
import { formatArea } from "../lib/units";
import { SHORTCUT_HELP } from "../viewer/shortcuts";
import { api } from "../lib/api";
import { SHORTCUTS } from "./keys";
import type { Layer, OverlayRenderer } from "./renderer";
import { RegionStore } from "./store";
import { vertexCount } from "./geometry";
import type { Read, Region, RegionList, Vocabulary } from "./types";

export function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the workspace page has no #${id}`);
  return found as T;
}

/** The label legend: colour, name, shortcut; a click chooses the label. */
export function buildLegend(vocabulary: Vocabulary, onChoose: (label: string) => void): (current: string) => void {
  const legend = element<HTMLOListElement>("legend");
  const items = vocabulary.labels.map((label, index) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "ws-label";
    button.dataset.label = label.value;
    const swatch = document.createElement("span");
    swatch.className = "ws-swatch";
    swatch.style.background = label.colour;
    const key = document.createElement("kbd");
    key.textContent = `⇧${(index + 1) % 10}`;
    button.append(swatch, ` ${label.label} `, key);
    button.addEventListener("click", () => onChoose(label.value));
    item.append(button);
    legend.append(item);
    return button;
  });
  return (current: string) => {
    for (const button of items) button.setAttribute("aria-pressed", String(button.dataset.label === current));
  };
}

export class SelectionPanel {
  private readonly panel = element<HTMLElement>("selection");
  private readonly label = element<HTMLSelectElement>("selection-label");
  private region: Region | null = null;

  constructor(
    vocabulary: Vocabulary,
    private readonly umPerPx: number,
    onRelabel: (region: Region, label: string) => void,
    onDelete: (region: Region) => void,
  ) {
    for (const choice of vocabulary.labels) this.label.add(new Option(choice.label, choice.value));
    this.label.addEventListener("change", () => this.region && onRelabel(this.region, this.label.value));
    element("selection-delete").addEventListener("click", () => this.region && onDelete(this.region));
  }

  show(region: Region | null, editable: boolean): void {
    this.region = region;
    this.panel.hidden = region === null;
    if (!region) return;
    this.label.value = region.label;
    this.label.disabled = !editable;
    (element<HTMLButtonElement>("selection-delete")).disabled = !editable;
    element("selection-area").textContent = formatArea(region.area_px, this.umPerPx);
    element("selection-vertices").textContent = String(vertexCount(region.geometry));
    element("selection-provenance").textContent = region.provenance;
  }
}

/**
 * One checkbox per other read of the mosaic that the API lets the caller see
 * (leads: every reader; a blind reader: none until every read is submitted).
 * Their regions load on first show and are read-only.
 */
export async function buildReaderLayers(
  mosaicReadsUrl: string,
  readBase: string,
  ownReadId: number,
  renderer: OverlayRenderer,
): Promise<void> {
  const list = element<HTMLUListElement>("reader-layers");
  const reads = await api.get<Read[]>(mosaicReadsUrl);
  for (const read of reads.filter((r) => r.id !== ownReadId)) {
    const layer: Layer = { key: `read-${read.id}`, store: new RegionStore(), visible: false, dashed: true };
    renderer.layers.push(layer);
    let loaded = false;
    const item = document.createElement("li");
    const label = document.createElement("label");
    label.className = "ws-check";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.dataset.readId = String(read.id);
    const name = read.reader ?? `Reader of read #${read.id}`;
    label.append(box, ` ${name} (${read.status.replace("_", " ")}, ${read.region_count ?? 0} regions, dashed)`);
    item.append(label);
    list.append(item);
    box.addEventListener("change", async () => {
      layer.visible = box.checked;
      if (box.checked && !loaded) {
        loaded = true;
        const body = await api.get<RegionList>(`${readBase}${read.id}/regions/`);
        layer.store.load(body.results);
      }
      renderer.requestDraw();
    });
  }
}

export function buildHelp(): { toggle: (show?: boolean) => void; isOpen: () => boolean } {
  const dialog = element<HTMLElement>("help");
  const rows = element<HTMLTableSectionElement>("help-rows");
  const all: [string, string][] = [
    ...SHORTCUTS.map((s): [string, string] => [s.keys, s.description]),
    ...SHORTCUT_HELP.map(([keys, what]): [string, string] => [keys, `${what} (viewer)`]),
  ];
  const seen = new Set<string>();
  for (const [keys, description] of all) {
    if (seen.has(keys)) continue;
    seen.add(keys);
    const row = rows.insertRow();
    const key = document.createElement("kbd");
    key.textContent = keys;
    row.insertCell().append(key);
    row.insertCell().textContent = description;
  }
  const toggle = (show = dialog.hidden): void => {
    dialog.hidden = !show;
  };
  element("help-close").addEventListener("click", () => toggle(false));
  element("help-button").addEventListener("click", () => toggle(true));
  dialog.addEventListener("click", (event) => event.target === dialog && toggle(false));
  return { toggle, isOpen: () => !dialog.hidden };
}
