import { describe, expect, it } from "vitest";
import { describeChoice } from "../src/workspace/adjudication/types";

const sources = [
  { letter: "a", read: 1, reader: "ann", version: 3 },
  { letter: "b", read: 2, reader: "bob", version: 4 },
];

describe("adjudication decisions as the panel words them", () => {
  it("names the reader whose reading was accepted", () => {
    expect(describeChoice("accept_b", sources)).toBe("accepted B (bob)");
  });

  it("words leaving out and redrawing", () => {
    expect(describeChoice("reject", sources)).toBe("left out");
    expect(describeChoice("redraw", sources)).toBe("redrawn by hand");
  });
});
