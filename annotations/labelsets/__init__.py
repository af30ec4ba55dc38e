"""Label files in and out, Django-free: importing existing labels, writing label-set snapshots.

- ``importing``: masks (PNG, TIFF, NRRD) and QuPath GeoJSON into regions
  (``regions_from_file``), files matched to mosaics (``match_label_files``);
- ``masks``: reading label masks with header checks before decoding;
- ``writer``: a snapshot directory written one mosaic at a time (label masks,
  QuPath GeoJSON, tile manifest, COCO instances, manifest with SHA-256);
- ``label_masks``, ``coco``, ``manifest``: the individual writers;
- ``splits``: patient-level train/val/test splits, stratified and stable.

Rasterisation follows ``annotations.agreement.raster`` (pixel centres, band
sweep), so a label set's tiles and masks agree with the agreement metrics.
The platform's label vocabulary is passed in (``known_labels``, ``labels``):
``annotations.vocabulary`` imports Django.
"""
