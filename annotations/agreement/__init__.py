"""Inter-reader agreement, Django-free: plain regions in, JSON-ready rows and aggregates out.

Modules, each with one purpose (inputs are ``(label, GeoJSON geometry)`` pairs in
full-resolution mosaic pixels, as ``Region.geometry`` stores them):

- ``raster``: the rasterisation convention (pixel centres) and the band sweep
  with a bounding-box prefilter, shared with the label-set writers;
- ``pixels``: one sweep's pixel and tile counts of two reads, Dice and IoU;
- ``kappa``: Cohen's κ (scikit-learn) with the one-class convention;
- ``lesions``: connected suspicious areas matched by IoU (Hungarian, scipy);
- ``distance``: HD95 between outlines in µm (scipy's cKDTree);
- ``mosaic``: the per-mosaic row (``mosaic_agreement``);
- ``aggregate``: per pair / center / diagnosis / month with patient-bootstrap CIs;
- ``consensus``: the disagreement map and consensus proposals for adjudication;
- ``calibration``: a reader's pixel sensitivity and precision against a consensus.

Nothing here imports Django, Celery, DRF or the models (``tests/test_layout.py``).
"""
