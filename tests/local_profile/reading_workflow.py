"""Run with config.settings.local: the demo and a reader's first strokes on SQLite.

Executed in a subprocess by ``test_make_run_profile.py`` so that the embedded
``make run`` configuration is exercised end to end; prints OK on success.
"""

import json

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from annotations.management.commands.create_demo import demo_password  # noqa: E402


def check(response: object, status: int) -> dict:
    code = response.status_code  # type: ignore[attr-defined]
    assert code == status, f"{response.request['PATH_INFO']}: {code} {response.content[:500]!r}"  # type: ignore[attr-defined]
    return json.loads(response.content) if response.content else {}  # type: ignore[attr-defined]


call_command("migrate", verbosity=0)
call_command("create_demo", verbosity=0)
call_command("make_demo_mosaics", "--project", "demo", "--center", "NAP", "--count", "1",
             "--width", "1200", "--height", "1000", "--if-empty")  # fmt: skip
call_command("assign_reads", "--project", "demo")

reader = Client(SERVER_NAME="127.0.0.1")
assert reader.post("/login/", {"username": "reader1", "password": demo_password("reader1")}).status_code == 302
read = check(reader.get("/api/reads/"), 200)["results"][0]
square = {"type": "Polygon", "coordinates": [[[100, 100], [300, 100], [300, 300], [100, 300], [100, 100]]]}
written = check(
    reader.post(f"/api/reads/{read['id']}/regions/", {"label": "clefting", "geometry": square,
                "read_version": read["version"]}, content_type="application/json"),
    201,
)  # fmt: skip
region = written["created"][0]
check(reader.patch(f"/api/regions/{region['id']}/", {"version": region["version"], "label": "dark_shadows",
                   "read_version": written["read_version"]}, content_type="application/json"), 200)  # fmt: skip
listed = check(reader.get(f"/api/reads/{read['id']}/regions/", {"bbox": "0,0,500,500"}), 200)
assert [r["label"] for r in listed["results"]] == ["dark_shadows"], listed
assert check(reader.get(f"/api/reads/{read['id']}/history/"), 200)
descriptor = reader.get(f"/api/mosaics/{read['mosaic']}/dzi.dzi")
assert descriptor.status_code == 200 and b"<Image" in descriptor.content, descriptor.content[:300]
assert reader.get(f"/reads/{read['id']}/").status_code == 200
print("OK")
