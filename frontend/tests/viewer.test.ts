import { describe, expect, it } from "vitest";
import { IDENTITY, PRESETS, adjustGrey, isIdentity, transferTable } from "../src/viewer/presets";
import { chooseScaleBar, formatLength } from "../src/viewer/scaleBar";

describe("chooseScaleBar", () => {
  it("picks the longest 1-2-5 length that fits the bar", () => {
    // 0.5 µm per screen pixel, 160 px at most: 80 µm fits, so 50 µm (100 px).
    const choice = chooseScaleBar(0.5, 160);
    expect(choice.lengthUm).toBe(50);
    expect(choice.widthPx).toBeCloseTo(100);
    expect(choice.label).toBe("50 µm");
  });
  it("switches to millimetres when zoomed out", () => {
    // The whole 6 mm mosaic on ~800 px: 7.5 µm per px, 1200 µm fits: 1 mm.
    const choice = chooseScaleBar(7.5, 160);
    expect(choice.label).toBe("1 mm");
    expect(choice.widthPx).toBeLessThanOrEqual(160);
  });
  it("never draws a bar longer than allowed", () => {
    for (const scale of [0.013, 0.12, 0.5, 1, 3.3, 17, 250]) {
      const choice = chooseScaleBar(scale, 150);
      expect(choice.widthPx).toBeLessThanOrEqual(150);
      expect(choice.widthPx).toBeGreaterThan(150 / 5 - 1e-9);
    }
  });
  it("refuses a non-positive scale", () => {
    expect(() => chooseScaleBar(0)).toThrow(RangeError);
  });
});

describe("formatLength", () => {
  it("keeps micrometres under a millimetre and rounds float noise", () => {
    expect(formatLength(200)).toBe("200 µm");
    expect(formatLength(0.30000000000000004)).toBe("0.3 µm");
    expect(formatLength(2000)).toBe("2 mm");
  });
});

describe("grey adjustment", () => {
  it("leaves every grey unchanged for the original preset", () => {
    const table = transferTable(IDENTITY);
    expect(table).toHaveLength(256);
    table.forEach((value, i) => expect(value).toBeCloseTo(i / 255, 10));
    expect(isIdentity(PRESETS[0])).toBe(true);
  });
  it("lifts dark greys with gamma above one and keeps black and white fixed", () => {
    const adjust = { brightness: 0, contrast: 1, gamma: 2 };
    expect(adjustGrey(0.25, adjust)).toBeCloseTo(0.5);
    expect(adjustGrey(0, adjust)).toBe(0);
    expect(adjustGrey(1, adjust)).toBe(1);
  });
  it("stretches around mid-grey with contrast and clamps to the valid range", () => {
    const adjust = { brightness: 0, contrast: 2, gamma: 1 };
    expect(adjustGrey(0.5, adjust)).toBeCloseTo(0.5);
    expect(adjustGrey(0.6, adjust)).toBeCloseTo(0.7);
    expect(adjustGrey(0.9, adjust)).toBe(1);
    expect(adjustGrey(0.1, adjust)).toBe(0);
  });
  it("shifts by the brightness offset", () => {
    expect(adjustGrey(0.4, { brightness: 0.1, contrast: 1, gamma: 1 })).toBeCloseTo(0.5);
  });
  it("gives monotonic curves for every preset", () => {
    for (const preset of PRESETS) {
      const table = transferTable(preset);
      for (let i = 1; i < table.length; i++) expect(table[i]).toBeGreaterThanOrEqual(table[i - 1]);
    }
  });
});
