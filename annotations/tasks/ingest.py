"""Ingest tasks (filled by the ingest issue)."""
