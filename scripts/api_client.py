"""The API contract: the backend's OpenAPI schema and the TypeScript types generated from it.

    .venv/bin/python scripts/api_client.py write   # regenerate both files (``make api-client``)
    .venv/bin/python scripts/api_client.py check   # exit 1 when they differ from what the code produces

The schema (``manage.py spectacular``, what ``/api/schema/`` serves) is written to
``frontend/src/api/openapi.yaml``; ``openapi-typescript`` (pinned in
frontend/package.json) turns it into ``frontend/src/api/schema.d.ts``, which the
frontend's API types alias. Both files are committed: the frontend builds and
type-checks without a running backend, and a change of the API shows in review as
a change of the contract. ``check`` regenerates into a temporary folder and compares,
so a serializer changed without regenerating, or a hand edit of a generated file,
fails the suite (tests/test_api_client_contract.py).

Decision: the schema is produced under ``config.settings.local``, which needs no
database or broker server (drf-spectacular never queries the database), so
``make frontend`` regenerates the client on a fresh clone.
"""

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API_DIR = ROOT / "frontend" / "src" / "api"
SCHEMA_NAME = "openapi.yaml"
TYPES_NAME = "schema.d.ts"
GENERATOR = ROOT / "frontend" / "node_modules" / ".bin" / "openapi-typescript"
SCHEMA_HEADER = "# Generated from the backend by scripts/api_client.py (`make api-client`); never edit by hand.\n"


class GenerationError(RuntimeError):
    """A step of the generation failed; the message says which and why."""


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise GenerationError(f"{what} failed ({result.returncode}):\n{result.stderr[-3000:]}")


def generate(out_dir: Path) -> None:
    """Write the schema and its TypeScript types into ``out_dir``."""
    if not GENERATOR.exists():
        raise GenerationError(f"{GENERATOR} is missing: run `make frontend/node_modules/.installed` (npm ci)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    schema = out_dir / SCHEMA_NAME
    _run([sys.executable, "manage.py", "spectacular", "--file", str(schema)], "manage.py spectacular", env)
    schema.write_text(SCHEMA_HEADER + schema.read_text())
    # A field with a default is optional in a request: the server fills it in.
    types = out_dir / TYPES_NAME
    _run([str(GENERATOR), str(schema), "--default-non-nullable", "false", "--output", str(types)], "openapi-typescript")


def differences(generated: Path, committed: Path = API_DIR) -> list[str]:
    """A short unified diff for each file of ``committed`` that differs from ``generated``."""
    found = []
    for name in (SCHEMA_NAME, TYPES_NAME):
        new = (generated / name).read_text().splitlines()
        old = (committed / name).read_text().splitlines() if (committed / name).exists() else []
        if new != old:
            diff = difflib.unified_diff(old, new, f"committed {name}", f"generated {name}", lineterm="", n=1)
            found.append("\n".join(list(diff)[:40]))
    return found


def write() -> list[str]:
    """Regenerate the committed files; only those whose content changed are rewritten
    (an untouched file keeps its mtime, so Make does not rebuild the frontend)."""
    API_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="api-client-") as temp:
        generate(Path(temp))
        changed = [name for name in (SCHEMA_NAME, TYPES_NAME)
                   if not (API_DIR / name).exists() or (API_DIR / name).read_bytes() != (Path(temp) / name).read_bytes()]  # fmt: skip
        for name in changed:
            shutil.copyfile(Path(temp) / name, API_DIR / name)
    return changed


def check() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="api-client-") as temp:
        generate(Path(temp))
        return differences(Path(temp))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["write", "check"])
    args = parser.parse_args()
    try:
        if args.action == "write":
            changed = write()
            print(f"API client: {', '.join(changed) + ' regenerated' if changed else 'up to date'}")
            return 0
        drift = check()
    except GenerationError as error:
        print(error, file=sys.stderr)
        return 2
    if drift:
        print("\n\n".join(drift), file=sys.stderr)
        print(
            f"\nThe API client in {API_DIR.relative_to(ROOT)} differs from what the code produces: "
            "run `make api-client` and commit the result (never edit the generated files by hand).",
            file=sys.stderr,
        )
        return 1
    print("API client matches the schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
