"""Locust users of the load benchmark (run by ``benchmarks/load_benchmark.py``, never imported by it).

``TileReader``: a reader panning through a mosaic at full resolution, as OpenSeadragon
does: each step asks for the column of tiles that comes into view, then pauses.
``Autosaver``: a reader drawing, one stroke (a region POST, the workspace's autosave)
every 2 s. Users, tokens, reads and the tile grid come from the JSON plan named by
``RCM_LOAD_PLAN``; the counts of each kind are fixed by the plan too. In a reference round
(``"reference": true``) both kinds ask for ``/api/vocabulary/`` instead, at the same pace:
the authenticated API stack without data, measured side by side.
"""

import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, constant, constant_pacing, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["RCM_LOAD_PLAN"]).read_text())
VIEW_ROWS = 5  # tiles of a column that come into view per pan step (a 1280-px-high viewport)
REFERENCE = bool(PLAN.get("reference"))


class TileReader(HttpUser):
    fixed_count = int(PLAN["readers"])
    wait_time = constant(float(PLAN["pan_pause"]))

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Token {random.choice(PLAN['reader_tokens'])}"
        self.mosaic = random.choice(PLAN["mosaic_ids"])
        self.col = random.randrange(PLAN["cols"])
        self.row = random.randrange(max(1, PLAN["rows"] - VIEW_ROWS))
        self.step = random.choice((-1, 1))

    @task
    def pan(self) -> None:
        if not 0 <= self.col + self.step < PLAN["cols"]:
            self.step = -self.step
        self.col += self.step
        for row in range(self.row, min(PLAN["rows"], self.row + VIEW_ROWS)):
            path = f"/api/mosaics/{self.mosaic}/dzi_files/{PLAN['level']}/{self.col}_{row}.jpeg"
            self.client.get("/api/vocabulary/" if REFERENCE else path, name="tile")


class Autosaver(HttpUser):
    fixed_count = int(PLAN["autosavers"])
    wait_time = constant_pacing(2.0)

    def on_start(self) -> None:
        self.read, token = PLAN["autosave"].pop() if PLAN["autosave"] else random.choice(PLAN["all_autosave"])
        self.client.headers["Authorization"] = f"Token {token}"
        # Every write names the read's version it was made from (as the workspace's save queue does).
        self.version = 1 if REFERENCE else int(self.client.get(f"/api/reads/{self.read}/", name="read").json()["version"])

    @task
    def stroke(self) -> None:
        x, y = random.uniform(50, PLAN["width"] - 100), random.uniform(50, PLAN["height"] - 100)
        ring = [[x, y], [x + 40, y], [x + 40, y + 30], [x + 10, y + 45], [x, y]]
        body = {"label": "atypical_honeycomb", "geometry": {"type": "Polygon", "coordinates": [ring]},
                "read_version": self.version}  # fmt: skip
        if REFERENCE:
            self.client.get("/api/vocabulary/", name="autosave")
        else:
            response = self.client.post(f"/api/reads/{self.read}/regions/", json=body, name="autosave")
            if response.status_code in (201, 409):  # a 409 names the current version too
                self.version = int(response.json()["read_version"])
