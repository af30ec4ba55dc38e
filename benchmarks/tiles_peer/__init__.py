"""The peer of the tiles benchmark: Kitware's django-large-image, as a user would set it up.

A minimal Django project (own venv under benchmarks/out/venv-dli) exposing
django-large-image's tile endpoint for the benchmark's pyramids, without
authentication or permission checks (as in the issue's reference run).
"""
