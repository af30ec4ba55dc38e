"""Reads of the database, scoped by who asks (the HackSoft ``selectors`` half)."""
