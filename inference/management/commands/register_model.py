"""``manage.py register_model``: record a model trained elsewhere; the last line is its id.

    python manage.py register_model --project face --weights model.safetensors \
        --config config.json [--name "EfficientNet-B0, cluster run 12"] [--activate --reason TEXT]

The files are loaded and run once on a dummy tile before anything is recorded: a
missing file, a bad config field, an unknown architecture or weights of the wrong
shape ends with a one-line reason naming the file, and nothing is recorded.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from annotations.management.base import PlatformCommand, project_by_slug
from inference.services.registry import model_activate, model_register


class Command(PlatformCommand):
    help = "Register a model (safetensors weights + config JSON) trained elsewhere; prints its id last."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("--weights", required=True, type=Path, help="The model's .safetensors file.")
        parser.add_argument("--config", required=True, type=Path, help="Its config JSON.")
        parser.add_argument("--name", default="", help="A name people will recognise.")
        parser.add_argument("--activate", action="store_true", help="Make it the project's active model of its kind.")
        parser.add_argument("--reason", default="", help="Why it becomes active (with --activate).")

    def run(self, *args: Any, **options: Any) -> None:
        project = project_by_slug(options["project"])
        if options["activate"] and not options["reason"].strip():
            raise CommandError("--activate needs --reason")
        model = model_register(
            project=project, weights=options["weights"], config=options["config"], name=options["name"], by=None
        )
        self.stdout.write(f"registered {model.kind} {model.arch} as model {model.pk} (weights sha256 {model.weights_sha256})")
        if options["activate"]:
            model_activate(model=model, by=None, reason=options["reason"])
            self.stdout.write(f"model {model.pk} is now the project's active {model.kind}")
        self.stdout.write(str(model.pk))
