"""The repository's layout promises: platform/ is deployment only and never shadows the stdlib."""

import os
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


def _imported_modules(path: Path) -> set[str]:
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


# Plain-Python cores that a GPU box, a script or a worker uses without the web stack.
DJANGO_FREE_PACKAGES = ("annotations/ingest", "inference/ml", "annotations/agreement", "annotations/labelsets")


def test_django_free_packages_import_no_django() -> None:
    for package in DJANGO_FREE_PACKAGES:
        for module in (ROOT / package).rglob("*.py"):
            imported = _imported_modules(module)
            offending = sorted(name for name in imported if name.split(".")[0] in {"django", "rest_framework", "celery"}
                               or name.startswith(("annotations.models", "annotations.storage", "annotations.services")))
            assert not offending, f"{module.relative_to(ROOT)} imports {offending}"


def test_django_free_packages_do_not_load_django_through_their_imports() -> None:
    # The direct-import check above misses a helper that imports Django itself (annotations.vocabulary does).
    modules = [
        ".".join(module.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in DJANGO_FREE_PACKAGES
        for module in (ROOT / package).rglob("*.py")
    ]
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({name!r})\n" for name in modules)
    code += "loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'rest_framework', 'celery'})\n"
    code += "print(loaded[:5])"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"Django-free packages load {result.stdout.strip()}"


def test_nothing_imports_the_default_user_model() -> None:
    import ast

    for module in ROOT.glob("**/*.py"):
        # Installed packages are not ours (benchmarks/out/venv-dli holds the tiles benchmark's peer).
        if {".venv", "node_modules", "site-packages"} & set(module.parts):
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "django.contrib.auth.models":
                assert "User" not in {alias.name for alias in node.names}, f"{module}: import users.models.User"


def test_services_and_selectors_do_not_import_task_modules() -> None:
    # Tasks import services; the other direction is an import loop (enqueue by name instead).
    for layer in ("annotations/services", "annotations/selectors", "inference/services"):
        for module in (ROOT / layer).rglob("*.py") if (ROOT / layer).exists() else []:
            text = module.read_text()
            assert ".tasks" not in " ".join(_imported_modules(module)) and "tasks import" not in text, module
