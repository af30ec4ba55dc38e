// Edits the server does not have yet: left by an earlier visit (a reload or crash
// while the server was away), or kept when saving stopped at a conflict.
//
// At start: when the read is still at the version those edits were made on, they are
// shown and sent again in order, as if just made. When it changed since (another
// tab saved, or the last edit did reach the server before the page went away), or
// when a save answers 409 later: the page reloads the read as saved and asks the
// reader whether to apply the kept edits again on top of it or to discard them.
// Nothing is dropped without the reader's word.
import { api } from "../../lib/api";
import type { CaseFields } from "../caseFields";
import type { StoredEdit } from "../offline/edits";
import { livePages, sendable } from "../offline/owners";
import { element } from "../panels";
import type { Read, RegionList } from "../types";
import type { Workspace } from "./session";

export interface PendingEdits {
  /** At start, once every part of the page is set up. */
  restore(): Promise<void>;
  /** Saving stopped at a conflict: reload the read as saved and offer the kept edits. */
  afterConflict(): Promise<void>;
}

const plural = (count: number): string => `${count} change${count === 1 ? "" : "s"}`;

export function pendingEdits(ws: Workspace, fields: CaseFields, onResumed: () => void): PendingEdits {
  const banner = element<HTMLElement>("conflict-banner");
  const kept = element<HTMLElement>("kept-edits");
  const keptCount = element<HTMLElement>("kept-count");
  let savedVersion = ws.queue.readVersion; // the read's version as last reloaded

  /** The stored edits this page may send: its own, and those of pages that are gone (another open tab's are its own). */
  const sendableEdits = async (): Promise<{ readVersion: number | null; edits: StoredEdit[] }> => {
    const [kept, live] = await Promise.all([ws.queue.stored(), livePages()]);
    return { readVersion: kept.readVersion, edits: sendable(kept.edits, ws.queue.page, live) };
  };

  // Synchronous, in order: each replay adopts its edit before the next one (and before any new edit).
  const replay = (edits: StoredEdit[]): void => {
    for (const stored of edits) {
      if (stored.edit.kind === "fields" || stored.edit.kind === "submit") void fields.replay(stored);
      else if (stored.edit.kind === "adjudicate" || stored.edit.kind === "suggestion") void ws.queue.adopt(stored);
      else void ws.editor.replay(stored);
    }
    void ws.queue.claim(edits); // another tab opened now leaves them to this page
  };

  const reloadRead = async (): Promise<void> => {
    const [read, regions] = await Promise.all([
      api.get<Read>(ws.boot.urls.read),
      api.get<RegionList>(ws.boot.urls.regions),
    ]);
    Object.assign(ws.read, read);
    ws.state.status = read.status;
    ws.editor.load(regions.results);
    fields.show(read);
    savedVersion = Math.max(read.version, regions.read_version);
  };

  const resume = async (apply: boolean): Promise<void> => {
    banner.hidden = true;
    kept.hidden = true;
    const { edits } = await sendableEdits();
    if (!apply) {
      await ws.queue.discard(savedVersion, edits);
      ws.say("Your unsaved changes were discarded.");
    } else {
      await ws.queue.restart(savedVersion);
      ws.say(`Saving ${plural(edits.length)} again on top of the saved read…`);
      replay(edits);
    }
    ws.root.dataset.keptEdits = "0";
    onResumed();
  };
  element("kept-apply").addEventListener("click", () => void resume(true));
  element("kept-discard").addEventListener("click", () => void resume(false));

  return {
    async restore() {
      const { readVersion, edits } = await sendableEdits();
      if (edits.length === 0) return;
      if (readVersion === ws.queue.readVersion) {
        ws.say(`Saving ${plural(edits.length)} kept from your last visit…`);
        replay(edits);
      } else {
        ws.queue.halt(); // the indicators show the banner and call afterConflict
      }
    },
    async afterConflict() {
      try {
        await reloadRead();
      } catch (error) {
        ws.say(`The read could not be reloaded: ${error instanceof Error ? error.message : String(error)}`);
      }
      const { edits } = await sendableEdits();
      banner.hidden = false;
      kept.hidden = edits.length === 0;
      keptCount.textContent = plural(edits.length);
      ws.root.dataset.keptEdits = String(edits.length);
    },
  };
}
