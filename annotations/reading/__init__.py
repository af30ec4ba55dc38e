"""Reading: the geometry of regions (plain shapely, no Django models)."""
