// The workspace's keyboard: one table that both binds the keys and fills the
// help overlay, so the two cannot disagree.
//
// Decision: letters for tools, Shift+digit for labels (the plain digits 1 and 0
// already mean 1:1 and fit in the mosaic viewer, whose keys are kept as they are).

export interface KeyLike {
  key: string;
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export interface Shortcut {
  action: string;
  keys: string;
  description: string;
  matches: (event: KeyLike) => boolean;
}

const plain = (...keys: string[]) => (e: KeyLike) => !e.ctrlKey && !e.metaKey && !e.altKey && keys.includes(e.key);
const command = (key: string, shift: boolean) => (e: KeyLike) =>
  (e.ctrlKey || e.metaKey) && !e.altKey && e.shiftKey === shift && e.key.toLowerCase() === key;

const LABEL_CODES = ["Digit1", "Digit2", "Digit3", "Digit4", "Digit5", "Digit6", "Digit7", "Digit8", "Digit9", "Digit0"];

export const SHORTCUTS: readonly Shortcut[] = [
  { action: "tool:select", keys: "V", description: "select / pan; drag a handle to move a vertex, Alt-click it to delete", matches: plain("v", "V") },
  { action: "tool:polygon", keys: "P", description: "polygon: click vertices, double-click or Enter closes", matches: plain("p", "P") },
  { action: "tool:lasso", keys: "L", description: "freehand lasso: drag around the area", matches: plain("l", "L") },
  { action: "tool:brush", keys: "B", description: "brush: paint; merges with touching regions of the same label", matches: plain("b", "B") },
  { action: "tool:eraser", keys: "E", description: "eraser: paint to cut away from regions", matches: plain("e", "E") },
  {
    action: "label",
    keys: "Shift+1 … Shift+0",
    description: "choose the label (relabels the selected region)",
    matches: (e) => e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey && LABEL_CODES.includes(e.code),
  },
  { action: "brush:smaller", keys: "[", description: "smaller brush", matches: plain("[") },
  { action: "brush:larger", keys: "]", description: "larger brush", matches: plain("]") },
  { action: "undo", keys: "Ctrl+Z", description: "undo", matches: command("z", false) },
  { action: "redo", keys: "Ctrl+Shift+Z / Ctrl+Y", description: "redo", matches: (e) => command("z", true)(e) || command("y", false)(e) },
  { action: "delete", keys: "Delete / Backspace", description: "delete the selected region (while drawing a polygon: its last vertex)", matches: plain("Delete", "Backspace") },
  { action: "finish", keys: "Enter", description: "close the polygon being drawn", matches: plain("Enter") },
  { action: "cancel", keys: "Esc", description: "cancel the drawing, or deselect", matches: plain("Escape") },
  { action: "zoom:fit", keys: "F", description: "fit the whole mosaic", matches: plain("f", "F") },
  { action: "zoom:in", keys: "+", description: "zoom in", matches: plain("+", "=") },
  { action: "zoom:out", keys: "−", description: "zoom out", matches: plain("-", "_") },
  { action: "outline", keys: "O", description: "outline only / filled", matches: plain("o", "O") },
  { action: "opacity:down", keys: ",", description: "less opaque fill", matches: plain(",") },
  { action: "opacity:up", keys: ".", description: "more opaque fill", matches: plain(".") },
  { action: "layer:own", keys: "H", description: "hide / show my regions", matches: plain("h", "H") },
  { action: "ai:accept", keys: "A", description: "AI layer: accept the current suggestion (it becomes a region)", matches: plain("a", "A") },
  { action: "ai:reject", keys: "X", description: "AI layer: reject the current suggestion", matches: plain("x", "X") },
  { action: "ai:next", keys: "J", description: "AI layer: next suggestion", matches: plain("j", "J") },
  { action: "ai:toggle", keys: "I", description: "AI layer: hide / show the heatmap and suggestions", matches: plain("i", "I") },
  { action: "focus:diagnosis", keys: "D", description: "go to the diagnosis field", matches: plain("d", "D") },
  { action: "next", keys: "N", description: "next case of my worklist", matches: plain("n", "N") },
  { action: "submit", keys: "Ctrl+Enter", description: "submit the read (asks first)", matches: (e) => (e.ctrlKey || e.metaKey) && e.key === "Enter" },
  { action: "help", keys: "?", description: "show / hide this help", matches: (e) => e.key === "?" && !e.ctrlKey && !e.metaKey },
];

/** The shortcut an event means, or null. */
export function matchShortcut(event: KeyLike): Shortcut | null {
  return SHORTCUTS.find((shortcut) => shortcut.matches(event)) ?? null;
}

/** Shift+1 … Shift+0 -> label index 0 … 9. */
export function labelIndex(event: KeyLike): number {
  return LABEL_CODES.indexOf(event.code);
}

/** Keys that must not reach OpenSeadragon's own keyboard handler (rotate, flip would break the overlay). */
export function isViewerOnlyKey(event: KeyLike): boolean {
  return !event.ctrlKey && !event.metaKey && ["r", "R"].includes(event.key);
}
