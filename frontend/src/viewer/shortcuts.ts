// Keyboard shortcuts of the mosaic viewer. Kept few and documented in the page's
// help so the drawing workspace can add its own letters without clashes.
export interface ViewerShortcuts {
  actualSize: () => void;
  fit: () => void;
  nextPreset: (step: number) => void;
}

/** Key (as KeyboardEvent.key) to action; "g"/"G" cycle presets forwards/backwards. */
export const SHORTCUT_HELP: readonly [string, string][] = [
  ["1", "1:1 (one image pixel per screen pixel)"],
  ["0", "fit the whole mosaic"],
  ["g / G", "next / previous grey preset"],
];

export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

export function bindShortcuts(actions: ViewerShortcuts): () => void {
  const onKey = (event: KeyboardEvent): void => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;
    const action: Record<string, () => void> = {
      "1": actions.actualSize,
      "0": actions.fit,
      g: () => actions.nextPreset(1),
      G: () => actions.nextPreset(-1),
    };
    const run = action[event.key];
    if (run) {
      event.preventDefault();
      run();
    }
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
