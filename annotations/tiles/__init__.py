"""Deep-zoom serving of mosaics: DZI geometry, tile rendering through large_image,
cached access decisions and the signed URLs of the nginx fast path.

``source.open_mosaic`` is the one place that talks to large_image's camelCase API;
everything else in the project goes through this package.
"""
