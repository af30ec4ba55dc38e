// The read's case-level fields (diagnosis, confidence, note, "reviewed — no
// suspicious area") and its submission. Each change saves at once through the
// same outbox as the regions; the note waits until typing pauses (or the page is
// hidden or left: then it goes to the outbox, which keeps it in IndexedDB).
import type { ReadFieldsRequest, SubmitRequest } from "../api/types";
import type { StoredEdit } from "./offline/edits";
import { failureMessage, type Outbox } from "./offline/outbox";
import type { Read, Vocabulary } from "./types";

const NOTE_DEBOUNCE_MS = 600;

type FieldValues = Omit<ReadFieldsRequest, "read_version">;

export interface CaseFieldsElements {
  form: HTMLFormElement;
  diagnosis: HTMLSelectElement;
  confidence: HTMLSelectElement;
  note: HTMLTextAreaElement;
  noSuspiciousArea: HTMLInputElement;
  submit: HTMLButtonElement;
  status: HTMLElement;
}

export class CaseFields {
  private noteTimer: number | undefined;
  onSubmitted: (read: Read) => void = () => {};
  onError: (message: string) => void = () => {};

  constructor(
    private readonly elements: CaseFieldsElements,
    private readonly queue: Outbox,
    vocabulary: Vocabulary,
  ) {
    const { diagnosis, confidence, note, noSuspiciousArea, submit, form } = elements;
    diagnosis.add(new Option("— choose —", ""));
    for (const choice of vocabulary.diagnoses) diagnosis.add(new Option(choice.label, choice.value));
    confidence.add(new Option("—", ""));
    for (let level = 1; level <= 5; level++) confidence.add(new Option(String(level), String(level)));
    diagnosis.addEventListener("change", () =>
      void this.save({ diagnosis: diagnosis.value }),
    );
    confidence.addEventListener("change", () =>
      void this.save({ confidence: confidence.value ? Number(confidence.value) : null }),
    );
    noSuspiciousArea.addEventListener("change", () => void this.save({ no_suspicious_area: noSuspiciousArea.checked }));
    note.addEventListener("input", () => {
      if (this.noteTimer === undefined) this.queue.hold(); // "Saving…" from the first keystroke
      window.clearTimeout(this.noteTimer);
      this.noteTimer = window.setTimeout(() => void this.flushNote(), NOTE_DEBOUNCE_MS);
    });
    note.addEventListener("blur", () => void this.flushNote());
    window.addEventListener("pagehide", () => void this.flushNote());
    form.addEventListener("submit", (event) => event.preventDefault());
    submit.addEventListener("click", () => void this.submit());
  }

  show(read: Read): void {
    const { diagnosis, confidence, note, noSuspiciousArea, status } = this.elements;
    diagnosis.value = read.diagnosis ?? "";
    confidence.value = read.confidence ? String(read.confidence) : "";
    note.value = read.note ?? "";
    noSuspiciousArea.checked = read.no_suspicious_area;
    status.textContent = read.status === "submitted" ? "Submitted — locked" : read.status === "in_progress" ? "In progress" : "To do";
    status.dataset.status = read.status;
  }

  /** The server starts a read at its first saved change: say so without asking it. */
  markStarted(): void {
    const { status } = this.elements;
    if (status.dataset.status !== "assigned") return;
    status.textContent = "In progress";
    status.dataset.status = "in_progress";
  }

  setEditable(editable: boolean): void {
    const { diagnosis, confidence, note, noSuspiciousArea, submit } = this.elements;
    for (const element of [diagnosis, confidence, note, noSuspiciousArea, submit]) element.disabled = !editable;
  }

  private async save(values: FieldValues, stored?: StoredEdit): Promise<void> {
    const edit = { kind: "fields", values } as const;
    try {
      await (stored ? this.queue.adopt({ ...stored, edit }) : this.queue.enqueue(edit));
    } catch (error) {
      this.failed(error);
    }
  }

  /** A change of the fields or a submit stored by an earlier visit: shown, then sent in its turn. */
  replay(stored: StoredEdit): Promise<void> {
    const { edit } = stored;
    if (edit.kind === "submit") return this.sendSubmit(stored);
    if (edit.kind !== "fields") throw new Error(`not a change of the read's fields: ${edit.kind}`);
    const { diagnosis, confidence, note, noSuspiciousArea } = this.elements;
    const { values } = edit;
    if (values.diagnosis !== undefined) diagnosis.value = values.diagnosis;
    if (values.confidence !== undefined) confidence.value = values.confidence ? String(values.confidence) : "";
    if (values.note !== undefined) note.value = values.note;
    if (values.no_suspicious_area !== undefined) noSuspiciousArea.checked = values.no_suspicious_area;
    return this.save(values, stored);
  }

  private failed(error: unknown): void {
    const message = failureMessage(error);
    if (message) this.onError(message);
  }

  /** Save the note now if a save is waiting for typing to pause. */
  async flushNote(): Promise<void> {
    if (this.noteTimer === undefined) return;
    window.clearTimeout(this.noteTimer);
    this.noteTimer = undefined;
    const saved = this.save({ note: this.elements.note.value }); // queued before the hold ends
    this.queue.release();
    await saved;
  }

  /** Asks the reader to confirm the submit: null to stay, else extra fields for the body (the coverage warning sets one). */
  confirmSubmit: (lockWarning: string) => Promise<Partial<SubmitRequest> | null> = async (lockWarning) =>
    window.confirm(lockWarning) ? {} : null;

  async submit(): Promise<void> {
    if (this.elements.submit.disabled) return;
    const extra = await this.confirmSubmit("Submit this read? It will be locked: no more changes to its regions or fields.");
    if (!extra) return;
    void this.flushNote(); // queues the note (synchronously) before the submit; both wait their turn
    await this.sendSubmit(undefined, extra);
  }

  private async sendSubmit(stored?: StoredEdit, extra: Partial<SubmitRequest> = {}): Promise<void> {
    // A replayed submit keeps the body it was queued with (the coverage confirmation included).
    const { read_version: _unsent, ...body } = extra;
    const edit = stored?.edit.kind === "submit" ? stored.edit : ({ kind: "submit", body } as const);
    try {
      const read = await (stored ? this.queue.adopt({ ...stored, edit }) : this.queue.enqueue(edit));
      this.show(read);
      this.onSubmitted(read);
    } catch (error) {
      this.failed(error);
    }
  }
}
