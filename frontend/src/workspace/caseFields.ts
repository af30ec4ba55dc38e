// The read's case-level fields (diagnosis, confidence, note, "reviewed — no
// suspicious area") and its submission. Each change saves at once through the
// same queue as the regions; the note waits until typing pauses.
import { api } from "./api";
import { failureMessage, type SaveQueue } from "./saveQueue";
import type { Read, Vocabulary } from "./types";

const NOTE_DEBOUNCE_MS = 600;

type FieldValues = Partial<Pick<Read, "diagnosis" | "confidence" | "note" | "no_suspicious_area">>;

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
    private readonly queue: SaveQueue,
    private readonly readUrl: string,
    private readonly submitUrl: string,
    vocabulary: Vocabulary,
  ) {
    const { diagnosis, confidence, note, noSuspiciousArea, submit, form } = elements;
    diagnosis.add(new Option("— choose —", ""));
    for (const choice of vocabulary.diagnoses) diagnosis.add(new Option(choice.label, choice.value));
    confidence.add(new Option("—", ""));
    for (let level = 1; level <= 5; level++) confidence.add(new Option(String(level), String(level)));
    diagnosis.addEventListener("change", () => void this.save({ diagnosis: diagnosis.value }));
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

  private async save(values: FieldValues): Promise<void> {
    try {
      await this.queue.enqueue(async (readVersion) => {
        const read = await api.patch<Read>(this.readUrl, { ...values, read_version: readVersion });
        return { result: read, readVersion: read.version };
      });
    } catch (error) {
      this.failed(error);
    }
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

  async submit(): Promise<void> {
    if (this.elements.submit.disabled) return;
    const ok = window.confirm("Submit this read? It will be locked: no more changes to its regions or fields.");
    if (!ok) return;
    await this.flushNote();
    try {
      const read = await this.queue.enqueue(async (readVersion) => {
        const submitted = await api.post<Read>(this.submitUrl, { read_version: readVersion });
        return { result: submitted, readVersion: submitted.version };
      });
      this.show(read);
      this.onSubmitted(read);
    } catch (error) {
      this.failed(error);
    }
  }
}
