"""Models, inference runs and training runs; the plain-PyTorch code lives in ``inference.ml``."""
