"""Region geometry, plain shapely (no Django models): parsing and repair, outlines for overviews."""
