// Brightness / contrast / gamma for grayscale reading. The transfer curve is pure
// (tested); it is applied as one SVG feComponentTransfer table on the drawer's
// canvas only, so overlays drawn above the image (regions) keep their colours.

export interface Adjustment {
  /** Added after contrast, in fractions of full scale (-1..1). */
  brightness: number;
  /** Slope around mid-grey (1 = unchanged). */
  contrast: number;
  /** Output = input^(1/gamma): above 1 lifts the dark parts RCM mosaics are full of. */
  gamma: number;
}

export interface Preset extends Adjustment {
  key: string;
  label: string;
}

export const IDENTITY: Adjustment = { brightness: 0, contrast: 1, gamma: 1 };

export const PRESETS: readonly Preset[] = [
  { key: "original", label: "Original", ...IDENTITY },
  { key: "dark", label: "Lift dark areas", brightness: 0, contrast: 1, gamma: 1.8 },
  { key: "contrast", label: "High contrast", brightness: 0, contrast: 1.6, gamma: 1 },
  { key: "bright", label: "Bright cells", brightness: -0.05, contrast: 1.25, gamma: 0.75 },
  { key: "soft", label: "Soft", brightness: 0.05, contrast: 0.8, gamma: 1.2 },
];

export function isIdentity(adjust: Adjustment): boolean {
  return adjust.brightness === 0 && adjust.contrast === 1 && adjust.gamma === 1;
}

/** The adjusted grey (0..1) of an input grey (0..1): contrast, brightness, clamp, then gamma. */
export function adjustGrey(value: number, adjust: Adjustment): number {
  if (!(adjust.gamma > 0)) throw new RangeError("gamma must be positive");
  const linear = Math.min(1, Math.max(0, (value - 0.5) * adjust.contrast + 0.5 + adjust.brightness));
  return linear ** (1 / adjust.gamma);
}

/** The curve sampled at ``steps`` evenly spaced greys (256: one entry per 8-bit level). */
export function transferTable(adjust: Adjustment, steps = 256): number[] {
  return Array.from({ length: steps }, (_, i) => adjustGrey(i / (steps - 1), adjust));
}

const SVG_NS = "http://www.w3.org/2000/svg";
let filterCount = 0;

/** A hidden SVG filter whose table follows ``set(adjust)``; ``url`` goes into CSS ``filter``. */
export function createGreyFilter(host: HTMLElement): { url: string; set: (adjust: Adjustment) => void } {
  const id = `rcm-grey-filter-${++filterCount}`;
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("width", "0");
  svg.setAttribute("height", "0");
  svg.setAttribute("aria-hidden", "true");
  svg.style.position = "absolute";
  const filter = document.createElementNS(SVG_NS, "filter");
  filter.id = id;
  filter.setAttribute("color-interpolation-filters", "sRGB");
  const transfer = document.createElementNS(SVG_NS, "feComponentTransfer");
  const funcs = ["feFuncR", "feFuncG", "feFuncB"].map((name) => {
    const func = document.createElementNS(SVG_NS, name);
    func.setAttribute("type", "table");
    transfer.appendChild(func);
    return func;
  });
  filter.appendChild(transfer);
  svg.appendChild(filter);
  host.appendChild(svg);
  return {
    url: `url(#${id})`,
    set(adjust: Adjustment): void {
      const values = transferTable(adjust).map((v) => v.toFixed(4)).join(" ");
      for (const func of funcs) func.setAttribute("tableValues", values);
    },
  };
}
