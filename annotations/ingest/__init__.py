"""Mosaic ingest: from an uploaded or imported file to a tiled pyramidal BigTIFF.

Django-free on purpose: every step takes paths and returns plain values, so the
service (``annotations.services.mosaics``), the import command and the benchmark
drive the same code. Steps, each its own module:

- ``sniff``: what the file is, decided by its bytes (never its name), and its
  declared size read from the header, so a decompression bomb is refused before
  a single pixel is decoded;
- ``read``: the source as one 8-bit grey band (RGB to grey, 16-bit scaled), with a
  record of what was done;
- ``vivablock``: a folder of numbered frames stitched into one image;
- ``pyramid``: the lossless tiled pyramid and the thumbnail, written atomically;
- ``pipeline``: the steps in order, for one source.
"""
