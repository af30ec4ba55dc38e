"""Writes: keyword-only, typed functions named ``<entity>_<action>`` (HackSoft style).

Services validate, write inside a transaction and raise
``django.core.exceptions.ValidationError`` with field names; the API turns that
into a 400 and the management commands into a one-line error.
"""
