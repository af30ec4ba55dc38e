// The adjudication API's objects (aliases of the generated schema).
import type { Schemas } from "../../api/types";

export type Adjudication = Schemas["Adjudication"];
export type Component = Schemas["Component"];
export type DecisionChoice = Schemas["DecisionChoiceEnum"];
export type DecisionRequest = Schemas["DecisionInputRequest"];
export type ConsensusStart = Schemas["ConsensusStartEnum"];
export type ConsensusRequest = Schemas["ConsensusInputRequest"];
export type ThirdReaderRequest = Schemas["ThirdReaderInputRequest"];

export const CHOICE_NAMES: Record<string, string> = {
  reject: "left out",
  redraw: "redrawn by hand",
};

/** "accept_a" → "accepted A (ann)", "reject" → "left out". */
export function describeChoice(choice: string, sources: Schemas["Source"][]): string {
  if (choice.startsWith("accept_")) {
    const letter = choice.slice("accept_".length);
    const source = sources.find((s) => s.letter === letter);
    return `accepted ${letter.toUpperCase()}${source ? ` (${source.reader})` : ""}`;
  }
  return CHOICE_NAMES[choice] ?? choice;
}
