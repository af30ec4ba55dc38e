"""Model registry, inference and training runs arrive with the inference issue."""
