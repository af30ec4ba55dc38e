// Physical units for RCM mosaics: pixels to µm and mm at the mosaic's µm/px.

export function pixelAreaToSquareMicrons(areaPx: number, umPerPx: number): number {
  return areaPx * umPerPx * umPerPx;
}

/** Human-readable area: µm² below 0.01 mm², mm² above. */
export function formatArea(areaPx: number, umPerPx: number): string {
  const um2 = pixelAreaToSquareMicrons(areaPx, umPerPx);
  if (um2 < 10_000) return `${Math.round(um2)} µm²`;
  return `${(um2 / 1_000_000).toFixed(3)} mm²`;
}
