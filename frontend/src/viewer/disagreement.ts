// The lead's disagreement map over a mosaic: the area both readers marked, only reader
// A, only reader B, each in its own colour, with the pair's numbers (Dice, IoU, tile κ,
// lesion F1, HD95) beside it. The areas come from GET /api/mosaics/{id}/agreement/
// (computed by the server from the two reads' regions, all labels together); they are
// drawn with the workspace's overlay renderer on a canvas of their own, so the map
// stacks over whatever else a page draws (the viewer page, the adjudication workspace).
import type OpenSeadragon from "openseadragon";
import type { Schemas } from "../api/types";
import { api, withQuery } from "../lib/api";
import "../styles/disagreement.css";
import { OverlayRenderer, type Layer } from "../workspace/renderer";
import { RegionStore, prepareRegion } from "../workspace/store";
import type { Geometry, Region } from "../workspace/types";

export type MosaicAgreement = Schemas["MosaicAgreement"];
type Kind = Schemas["DisagreementProperties"]["kind"];

/** Far apart in hue, none of them grey: both = yellow, only A = magenta, only B = cyan. */
export const DISAGREEMENT_COLOURS: Record<Kind, string> = { both: "#f2c500", only_a: "#e5308f", only_b: "#14b0e8" };

const NUMBERS: { key: keyof Schemas["AgreementRow"]; name: string; unit?: string }[] = [
  { key: "dice", name: "Dice" },
  { key: "iou", name: "IoU" },
  { key: "tile_kappa", name: "Tile κ" },
  { key: "lesion_f1", name: "Lesion F1" },
  { key: "hausdorff95_um", name: "HD95", unit: "µm" },
];

/** The map's areas as regions of a store the overlay renderer draws (label = the area's kind). */
export function mapRegions(detail: MosaicAgreement): Region[] {
  return (detail.disagreement?.map.features ?? []).map((feature, index) =>
    prepareRegion({
      id: index + 1,
      read: 0,
      provenance: "consensus",
      version: 1,
      area_px: feature.properties.area_px,
      label: feature.properties.kind,
      geometry: feature.geometry as Geometry,
      bbox: [0, 0, 0, 0],
    }),
  );
}

export class DisagreementOverlay {
  readonly renderer: OverlayRenderer;
  readonly store = new RegionStore();
  private readonly layer: Layer;

  constructor(viewer: OpenSeadragon.Viewer) {
    this.renderer = new OverlayRenderer(viewer, new Map(Object.entries(DISAGREEMENT_COLOURS)));
    this.renderer.canvas.classList.add("dm-overlay");
    this.renderer.opacity = 0.45;
    this.layer = { key: "disagreement", store: this.store, visible: false, dashed: false };
    this.renderer.layers.push(this.layer);
  }

  show(detail: MosaicAgreement): void {
    this.store.load(mapRegions(detail));
    this.renderer.requestDraw();
  }

  get visible(): boolean {
    return this.layer.visible;
  }

  set visible(value: boolean) {
    this.layer.visible = value;
    this.renderer.requestDraw();
  }
}

function node<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ""): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  if (text) element.textContent = text;
  return element;
}

/** "0.812", "12.3 µm", "—" */
function formatNumber(value: unknown, unit?: string): string {
  if (typeof value !== "number") return "—";
  return unit ? `${value.toFixed(1)} ${unit}` : value.toFixed(3);
}

/**
 * The panel: a toggle, the reader pair (when a mosaic has more than two reads), the
 * legend and the numbers. ``panel.dataset.url`` is the mosaic's agreement URL; the map
 * starts shown when ``initiallyOn``. Resolves once the first map is loaded.
 */
export async function setUpDisagreementPanel(
  viewer: OpenSeadragon.Viewer,
  panel: HTMLElement,
  initiallyOn: boolean,
  /** The readers (usernames, A then B) of the pair to show first, e.g. from a dashboard link; else the first pair. */
  pairReaders?: string[],
): Promise<DisagreementOverlay> {
  const overlay = new DisagreementOverlay(viewer);
  const url = panel.dataset.url ?? "";
  const toggle = node("input", { type: "checkbox", id: "disagreement-toggle" });
  const pairSelect = node("select", { id: "disagreement-pair", "aria-label": "reader pair" });
  const legend = node("ul", { class: "dm-legend", id: "disagreement-legend" });
  const numbers = node("dl", { class: "dm-numbers", id: "disagreement-numbers" });
  const note = node("p", { class: "dm-note", id: "disagreement-note" });
  const label = node("label", { class: "dm-toggle" });
  label.append(toggle, " Disagreement map ", node("kbd", {}, "M"));
  panel.replaceChildren(label, pairSelect, legend, numbers, note);

  const render = (detail: MosaicAgreement): void => {
    overlay.show(detail);
    const map = detail.disagreement;
    const readers = map?.readers ?? ["A", "B"];
    legend.replaceChildren(
      ...(["both", "only_a", "only_b"] as Kind[]).map((kind) => {
        const item = node("li", { "data-kind": kind });
        const swatch = node("span", { class: `dm-swatch dm-swatch-${kind}` });
        const text = kind === "both" ? "both readers" : `only ${kind === "only_a" ? readers[0] : readers[1]} (${kind === "only_a" ? "A" : "B"})`;
        item.append(swatch, ` ${text}`);
        return item;
      }),
    );
    const pair = detail.pairs.find((p) => map && p.reads.slice().sort().join() === map.reads.slice().sort().join());
    numbers.replaceChildren();
    for (const { key, name, unit } of NUMBERS) {
      const value = pair?.row?.[key];
      numbers.append(node("dt", {}, name), node("dd", { "data-key": String(key), "data-value": String(value ?? "") }, formatNumber(value, unit)));
    }
    const notes: string[] = [];
    if (!map) notes.push("The map needs two reader reads.");
    else if (!pair) notes.push("Agreement not computed for this pair yet.");
    else if (pair.stale) notes.push("The numbers predate a change to a read; recompute from the dashboard.");
    if (pair?.error) notes.push(pair.error);
    note.textContent = notes.join(" ");
    panel.dataset.loaded = "true";
  };

  const load = async (a?: number, b?: number): Promise<MosaicAgreement> => {
    const detail = await api.get<MosaicAgreement>(a && b ? withQuery(url, { a, b }) : url);
    render(detail);
    return detail;
  };

  let first = await load();
  const readerReads = first.reads.filter((read) => read.kind === "reader");
  if (pairReaders?.length === 2) {
    const [a, b] = pairReaders.map((name) => readerReads.find((read) => read.reader === name)?.id);
    if (a && b && first.disagreement?.reads.join() !== `${a},${b}`) first = await load(a, b);
  }
  const options: [number, number][] = [];
  for (let i = 0; i < readerReads.length; i++)
    for (let j = i + 1; j < readerReads.length; j++) options.push([readerReads[i].id, readerReads[j].id]);
  const nameOf = new Map(readerReads.map((read) => [read.id, read.reader]));
  pairSelect.replaceChildren(
    ...options.map(([a, b]) => node("option", { value: `${a},${b}` }, `${nameOf.get(a)} (A) vs ${nameOf.get(b)} (B)`)),
  );
  if (first.disagreement) {
    // The options list each pair once (in the reads' order); a pair shown the other way round selects its option.
    const shown = first.disagreement.reads;
    const listed = options.some(([a, b]) => a === shown[0] && b === shown[1]);
    pairSelect.value = (listed ? shown : [...shown].reverse()).join(",");
  }
  pairSelect.hidden = options.length < 2;
  pairSelect.addEventListener("change", () => {
    const [a, b] = pairSelect.value.split(",").map(Number);
    void load(a, b);
  });

  const setOn = (on: boolean): void => {
    toggle.checked = on;
    overlay.visible = on;
    panel.dataset.on = String(on);
  };
  toggle.addEventListener("change", () => setOn(toggle.checked));
  document.addEventListener("keydown", (event) => {
    const target = event.target as HTMLElement | null;
    if (event.key.toLowerCase() !== "m" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName))) return;
    setOn(!overlay.visible);
  });
  setOn(initiallyOn);
  return overlay;
}
