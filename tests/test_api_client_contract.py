"""The committed API contract (frontend/src/api/) is what the backend produces.

The frontend's API types alias ``frontend/src/api/schema.d.ts``, generated from the
OpenAPI schema; a serializer changed without regenerating, or a hand edit of the
generated files, must fail the suite (see scripts/api_client.py).
"""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "api_client.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_client", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_api_client_matches_the_backend_schema() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "matches" in result.stdout


def test_drift_check_reports_a_hand_edit_of_the_generated_types(tmp_path: Path) -> None:
    api_client = load_script()
    committed = tmp_path / "committed"
    shutil.copytree(api_client.API_DIR, committed)
    types = committed / api_client.TYPES_NAME
    types.write_text(types.read_text().replace("readonly received: number;", "readonly received: string;", 1))

    [difference] = api_client.differences(api_client.API_DIR, committed)

    assert "-            readonly received: string;" in difference
    assert "+            readonly received: number;" in difference
