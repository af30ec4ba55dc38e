import { describe, expect, it } from "vitest";
import { histogramBins, linear, metricDomain } from "../src/dashboard/charts";

describe("dashboard charts", () => {
  it("bins values into equal bins, the top value in the last one, outsiders left out", () => {
    const bins = histogramBins([0, 0.05, 0.5, 0.99, 1, 1.2, -0.1], 4, 0, 1);
    expect(bins.map((b) => b.count)).toEqual([2, 0, 1, 2]);
    expect(bins[1].from).toBeCloseTo(0.25);
  });

  it("maps a domain linearly, a degenerate one to the middle", () => {
    expect(linear([0, 1], [100, 0])(0.25)).toBe(75);
    expect(linear([2, 2], [0, 10])(2)).toBe(5);
  });

  it("spans ratios over [0, 1], kappa from its lowest value, distances from 0", () => {
    expect(metricDomain("dice", [0.3, 0.9])).toEqual([0, 1]);
    expect(metricDomain("tile_kappa", [-0.2, 0.5])).toEqual([-0.2, 1]);
    expect(metricDomain("hausdorff95_um", [10, 20])[1]).toBeCloseTo(21);
  });
});
