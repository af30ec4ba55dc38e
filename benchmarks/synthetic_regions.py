"""Synthetic region outlines shared by the reading and workspace benchmarks."""

import math

import numpy as np


def wobbly_ring(rng: np.random.Generator, cx: float, cy: float, radius: float, vertices: int) -> list[list[float]]:
    """A closed, non-self-intersecting ring of ``vertices`` points around (cx, cy)."""
    angles = np.linspace(0, 2 * math.pi, vertices, endpoint=False)
    radii = radius * (1 + 0.15 * np.sin(5 * angles + rng.uniform(0, 6)))
    ring = np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)]).round(2).tolist()
    return [*ring, ring[0]]
