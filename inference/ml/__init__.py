"""Plain PyTorch: data, models, prediction, training, metrics. Never imports Django."""
