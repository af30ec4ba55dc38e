// Simple SVG plots for the dashboard, drawn by hand (no chart library to pin or to
// load from elsewhere): a histogram of per-mosaic values, and estimates with their
// 95% intervals per group, as dots on a line (a trend: per month) or side by side.
// The layout (bins, scales) is plain arithmetic, unit-tested without a DOM.

const SVG = "http://www.w3.org/2000/svg";

export interface Estimate {
  label: string;
  value: number | null;
  ci95: number[] | null;
  n: number;
}

export interface Bin {
  from: number;
  to: number;
  count: number;
}

/** ``count`` equal bins over [lo, hi]; a value equal to ``hi`` falls in the last bin; others outside are left out. */
export function histogramBins(values: number[], count: number, lo: number, hi: number): Bin[] {
  const width = (hi - lo) / count;
  const bins: Bin[] = Array.from({ length: count }, (_, i) => ({ from: lo + i * width, to: lo + (i + 1) * width, count: 0 }));
  for (const value of values) {
    if (!(value >= lo && value <= hi)) continue;
    bins[Math.min(count - 1, Math.floor((value - lo) / width))].count += 1;
  }
  return bins;
}

/** A linear map from a domain to a range (a degenerate domain maps to the range's middle). */
export function linear(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (value) => r0 + ((value - d0) / (d1 - d0)) * (r1 - r0);
}

/** The domain a metric's plot spans: [0, 1] for ratios, κ from its lowest value up, µm from 0 to the largest. */
export function metricDomain(metric: string, values: number[]): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (metric.endsWith("_um")) return [0, Math.max(1, ...finite) * 1.05];
  if (metric.endsWith("kappa")) return [Math.min(0, ...finite), 1];
  return [0, 1];
}

const WIDTH = 360;
const HEIGHT = 180;
const PAD = { left: 40, right: 10, top: 10, bottom: 42 };

function svgNode<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

function text(x: number, y: number, content: string, attrs: Record<string, string | number> = {}): SVGTextElement {
  const node = svgNode("text", { x, y, "font-size": 10, fill: "currentColor", ...attrs });
  node.textContent = content;
  return node;
}

function frame(label: string): SVGSVGElement {
  return svgNode("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: "img", "aria-label": label });
}

/** The value axis on the left with three ticks. */
function yAxis(svg: SVGSVGElement, y: (v: number) => number, domain: [number, number], digits: number): void {
  svg.append(svgNode("line", { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: HEIGHT - PAD.bottom, stroke: "#59636f" }));
  const middle = (domain[0] + domain[1]) / 2;
  // Counts (no decimals) get a middle tick only where it is a whole number.
  const ticks = digits === 0 && !Number.isInteger(middle) ? [domain[0], domain[1]] : [domain[0], middle, domain[1]];
  for (const tick of ticks) {
    svg.append(text(PAD.left - 4, y(tick) + 3, tick.toFixed(digits), { "text-anchor": "end" }));
    svg.append(svgNode("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(tick), y2: y(tick), stroke: "#2a313b" }));
  }
}

/** A histogram of per-mosaic values of one metric. */
export function histogramPlot(values: number[], domain: [number, number], label: string, bins = 10): SVGSVGElement {
  const svg = frame(label);
  const counts = histogramBins(values, bins, domain[0], domain[1]);
  const top = Math.max(1, ...counts.map((bin) => bin.count));
  const x = linear(domain, [PAD.left, WIDTH - PAD.right]);
  const y = linear([0, top], [HEIGHT - PAD.bottom, PAD.top]);
  yAxis(svg, y, [0, top], 0);
  for (const bin of counts) {
    const bar = svgNode("rect", {
      x: x(bin.from) + 1, y: y(bin.count), width: Math.max(1, x(bin.to) - x(bin.from) - 2),
      height: y(0) - y(bin.count), fill: "#4fa3ff", "data-count": bin.count,
    });
    bar.append(Object.assign(svgNode("title", {}), { textContent: `${bin.from.toFixed(2)}–${bin.to.toFixed(2)}: ${bin.count}` }));
    svg.append(bar);
  }
  for (const tick of [domain[0], (domain[0] + domain[1]) / 2, domain[1]]) {
    svg.append(text(x(tick), HEIGHT - PAD.bottom + 14, tick.toFixed(2), { "text-anchor": "middle" }));
  }
  svg.append(text(WIDTH / 2, HEIGHT - 6, `${values.length} mosaics`, { "text-anchor": "middle" }));
  return svg;
}

/** Each group's estimate as a dot with its 95% interval; ``joined`` draws a line through them (a trend). */
export function intervalPlot(groups: Estimate[], domain: [number, number], label: string, joined = false): SVGSVGElement {
  const svg = frame(label);
  const y = linear(domain, [HEIGHT - PAD.bottom, PAD.top]);
  yAxis(svg, y, domain, domain[1] > 10 ? 0 : 2);
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(1, groups.length);
  const centre = (i: number): number => PAD.left + step * (i + 0.5);
  const points: string[] = [];
  groups.forEach((group, i) => {
    const cx = centre(i);
    const name = group.label.length > 14 ? `${group.label.slice(0, 13)}…` : group.label;
    svg.append(text(cx, HEIGHT - PAD.bottom + 12, name, { "text-anchor": "middle" }));
    svg.append(text(cx, HEIGHT - PAD.bottom + 24, `n=${group.n}`, { "text-anchor": "middle", fill: "#9aa4b2" }));
    if (group.value === null) return;
    if (group.ci95) {
      svg.append(svgNode("line", { x1: cx, x2: cx, y1: y(group.ci95[0]), y2: y(group.ci95[1]), stroke: "#9aa4b2", "stroke-width": 2 }));
    }
    const dot = svgNode("circle", { cx, cy: y(group.value), r: 4, fill: "#4fa3ff", "data-value": group.value, "data-group": group.label });
    const interval = group.ci95 ? ` (${group.ci95[0].toFixed(3)}–${group.ci95[1].toFixed(3)})` : "";
    dot.append(Object.assign(svgNode("title", {}), { textContent: `${group.label}: ${group.value.toFixed(3)}${interval}, n=${group.n}` }));
    svg.append(dot);
    points.push(`${cx},${y(group.value)}`);
  });
  if (joined && points.length > 1) {
    svg.insertBefore(svgNode("polyline", { points: points.join(" "), fill: "none", stroke: "#4fa3ff" }), svg.firstChild);
  }
  if (groups.length === 0) svg.append(text(WIDTH / 2, HEIGHT / 2, "no data yet", { "text-anchor": "middle", fill: "#9aa4b2" }));
  return svg;
}
