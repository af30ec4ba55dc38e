"""Synthetic RCM-like mosaics with ground truth, so demos and tests need no patient images."""
