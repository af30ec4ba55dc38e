"""Writes of the inference app (the HackSoft ``services`` half)."""
