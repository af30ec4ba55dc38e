"""The repository's layout promises: platform/ is deployment only and never shadows the stdlib."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_platform_folder_is_not_a_python_package() -> None:
    assert not (ROOT / "platform" / "__init__.py").exists()
    assert not list((ROOT / "platform").rglob("*.py")), "platform/ holds deployment files, no Python"


def test_stdlib_platform_module_still_imports_from_repository_root() -> None:
    # Run from the repository root, where a platform/ package would shadow the stdlib.
    result = subprocess.run(
        [sys.executable, "-c", "import platform, uuid; print(platform.system()); uuid.uuid4()"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() in {"Linux", "Darwin", "Windows"}


def test_ruff_guards_against_stdlib_shadowing() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    selected = config["tool"]["ruff"]["lint"]["select"]
    assert "A" in selected or "A005" in selected
