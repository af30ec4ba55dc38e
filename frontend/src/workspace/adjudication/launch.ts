// On the viewer page, for a lead: open the mosaic's consensus when it has one, else,
// once every reader read is submitted, start one (from the intersection, the union, or
// with three or more reads the majority) or send the mosaic to a third reader first.
// The panel's data-* attributes hold the URLs (annotations/views/viewer_pages.py).
import { api, ApiError } from "../../lib/api";
import "../../styles/adjudication.css";
import type { MosaicAgreement } from "../../viewer/disagreement";
import type { Schemas } from "../../api/types";
import type { ConsensusRequest, ConsensusStart, ThirdReaderRequest } from "./types";

type Read = Schemas["Read"];
type AssignmentOverview = Schemas["AssignmentOverview"];

function node<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ""): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  if (text) element.textContent = text;
  return element;
}

export async function setUpAdjudicationLaunch(panel: HTMLElement): Promise<void> {
  const { agreement, consensus, thirdReader, assignment, readPage } = panel.dataset as Record<string, string>;
  const message = node("p", { class: "dm-note", id: "adjudication-message" });
  const show = async (): Promise<void> => {
    const detail = await api.get<MosaicAgreement>(agreement);
    const readerReads = detail.reads.filter((read) => read.kind === "reader");
    const submitted = readerReads.filter((read) => read.status === "submitted").length;
    const title = node("strong", {}, "Adjudication");
    panel.replaceChildren(title);
    if (detail.consensus) {
      const link = node("a", { href: `${readPage}${detail.consensus.id}/`, id: "open-consensus" }, `Open the consensus read (${detail.consensus.status})`);
      panel.append(node("p", {}, ""), link);
      panel.dataset.state = "consensus";
      return;
    }
    if (readerReads.length < 2 || submitted < readerReads.length) {
      panel.append(node("p", { class: "dm-note" }, `Opens once every read is submitted (${submitted} of ${readerReads.length}).`));
      panel.dataset.state = "waiting";
      return;
    }
    const start = node("select", { id: "consensus-start", "aria-label": "start from" });
    const starts: [ConsensusStart, string][] = [["intersection", "the agreed area (intersection)"], ["union", "the union"]];
    if (readerReads.length >= 3) starts.unshift(["majority", "the majority vote"]);
    start.append(...starts.map(([value, name]) => node("option", { value }, name)));
    const startButton = node("button", { type: "button", id: "start-consensus" }, "Start adjudication");
    startButton.addEventListener("click", async () => {
      try {
        const body: ConsensusRequest = { start: start.value as ConsensusStart };
        const created = await api.post<Read>(consensus, body);
        window.location.assign(`${readPage}${created.id}/`);
      } catch (error) {
        message.textContent = `Could not start: ${error instanceof ApiError ? error.message : String(error)}`;
      }
    });
    const label = node("label", {}, "Start from ");
    label.append(start);
    panel.append(label, startButton);

    const overview = await api.get<AssignmentOverview>(assignment);
    const reading = new Set(readerReads.map((read) => read.reader));
    const others = overview.readers.filter((reader) => !reading.has(reader.username));
    if (others.length) {
      const reader = node("select", { id: "third-reader", "aria-label": "third reader" });
      reader.append(...others.map((r) => node("option", { value: r.username }, `${r.username} (${r.open_reads} open)`)));
      const send = node("button", { type: "button", id: "send-third-reader", class: "secondary" }, "Send to a third reader");
      send.addEventListener("click", async () => {
        try {
          const body: ThirdReaderRequest = { reader: reader.value };
          const read = await api.post<Read>(thirdReader, body);
          message.textContent = `Sent to ${read.reader ?? reader.value} (read #${read.id}); the consensus then starts from the majority.`;
          await show();
        } catch (error) {
          message.textContent = `Could not send: ${error instanceof ApiError ? error.message : String(error)}`;
        }
      });
      const third = node("div", { class: "adj-launch" });
      third.append(reader, " ", send);
      panel.append(third);
    }
    panel.append(message);
    panel.dataset.state = "ready";
  };
  await show();
}
