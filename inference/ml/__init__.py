"""Plain PyTorch for the platform's models: formats, inference, measurement, training. Never imports Django.

The Django side (model registry rows, Celery tasks, API, management commands) calls
these contracts; a GPU box or a script uses them without the web stack. See
``inference/ml/README.md`` for a tour with examples.

Model format (``model_config``, ``models``, ``model_files``)
    A model is ``model.safetensors`` + ``config.json`` (``ModelConfig``: kind, arch,
    in_chans, num_classes, mean, std, tile_size, um_per_px, threshold).
    ``create_model(config)`` builds a timm classifier or a torchvision Mask R-CNN,
    never pretrained; ``save_model(model, config, dir) -> SavedModel`` (paths and
    SHA-256); ``load_model(weights, config) -> (model, config)`` reads local files only,
    proves a forward pass, and raises ``ModelLoadError`` naming the file and the fault.
    ``prepare_batch(uint8 tiles, config)`` is the one preprocessing, shared by
    training and inference.

Tiles (``data``)
    ``TileReader`` protocol (width, height, um_per_px, ``read_region``, ``overview``);
    ``PyramidReader`` implements it over a pyramid file with pyvips, reopening in each
    process; DataLoader workers start from a fork server (``workers``).
    ``background.tissue_mask`` decides tissue from the overview. ``manifest``
    (label set tile rows, splits by patient), ``datasets``, ``augment``, ``instances``
    (COCO segmentations for the detector) feed training.

Inference (``predict``)
    ``predict_mosaic(model, config, reader, ...) -> MosaicPrediction``: splitter
    (``plan_tiles``: which tiles, background skipped), network (``run_network``:
    batched, inference mode, autocast on CUDA), merger (``GridMerger``, ``MapMerger``),
    outputs (tile grid, entropy, probability map, heatmap PNG, polygons in level-0 px,
    mosaic score), with a progress callback.

Measurement (``metrics``)
    ``mosaic_score`` (the study's ≥ 1 % area rule as one number per mosaic),
    ``measures`` over scikit-learn, ``bootstrap`` over patients,
    ``evaluate_mosaics(results, threshold) -> EvaluationReport`` (``to_json()`` with
    the platform's keys), ``roc_images`` / ``roc_png``.

Training (``train``)
    ``train(TrainingSpec, on_epoch=...) -> TrainingResult``: inputs refused up front
    (``TrainingInputError``), class balance, per-epoch checkpoints with exact resume,
    early stopping on validation AUROC, DDP under ``torchrun``, a run record with
    versions and code revision. ``python -m inference.ml.train`` is the command line.
"""
