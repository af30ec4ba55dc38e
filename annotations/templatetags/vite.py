"""``{% vite_entry "src/pages/x.ts" %}``: script and CSS tags for a Vite entry point.

Reads the manifest Vite writes (``frontend/dist/.vite/manifest.json``) so that
pages reference hashed file names. Cached per process unless DEBUG, where a
rebuild must show without a restart.
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


def _read_manifest() -> dict[str, Any]:
    path = Path(settings.FRONTEND_DIST_DIR) / ".vite" / "manifest.json"
    try:
        return dict(json.loads(path.read_text()))
    except FileNotFoundError as error:
        raise RuntimeError(f"{path} is missing: build the frontend with 'make frontend'") from error


_cached_manifest = lru_cache(maxsize=1)(_read_manifest)


def manifest() -> dict[str, Any]:
    return _read_manifest() if settings.DEBUG else _cached_manifest()


@register.simple_tag
def vite_entry(name: str) -> SafeString:
    entries = manifest()
    if name not in entries:
        raise template.TemplateSyntaxError(f"{name} is not an entry of the Vite build")
    entry = entries[name]
    css = [*entry.get("css", [])]
    for imported in entry.get("imports", []):
        css.extend(entries.get(imported, {}).get("css", []))
    css_tags = format_html_join("", '<link rel="stylesheet" href="{}">', ((static(f),) for f in dict.fromkeys(css)))
    return format_html('{}<script type="module" src="{}"></script>', css_tags, static(entry["file"]))
