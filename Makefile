# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test venv venv-dev frontend frontend-build api-client migrate demo lint test-python test-frontend services test-packages clean

run: venv frontend migrate demo  ## The platform on embedded defaults with demo data.
	./scripts/run_local.sh

# The suite builds the frontend from the committed API client without regenerating it:
# tests/test_api_client_contract.py fails when that client has drifted from the backend.
test: venv-dev frontend-build services test-packages lint test-frontend test-python  ## The whole suite against real PostgreSQL and Redis.

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend/dist/.vite/manifest.json: frontend/node_modules/.installed $(shell find frontend/src -type f 2>/dev/null) frontend/vite.config.ts
	cd frontend && npm run build

# The typed API client: the OpenAPI schema and the TypeScript types generated from it,
# both committed under frontend/src/api/ (see scripts/api_client.py). Run after an API change.
api-client: venv frontend/node_modules/.installed  ## Regenerate frontend/src/api/ from the backend's schema.
	$(PY) scripts/api_client.py write

frontend-build: frontend/dist/.vite/manifest.json

frontend: api-client frontend-build  ## Regenerate the API client, then build.

migrate: venv
	mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py migrate --noinput -v 0

demo: migrate
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py create_demo | tee var/demo-logins.txt
# Synthetic mosaics with ground truth, only while the demo project has none (issue 3).
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py make_demo_mosaics --project demo --center NAP --if-empty
# Two blind reads per demo mosaic, so reader1 and reader2 find work in /worklist/ (skips assigned mosaics).
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py assign_reads --project demo

services: venv
	./scripts/ensure_services.sh

test-packages:  ## Debian's Chromium and nginx for the tests (installed when missing and run as root).
	./scripts/ensure_test_packages.sh

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy annotations inference training audit config users benchmarks scripts
	test ! -e platform/__init__.py

test-frontend: frontend-build
	cd frontend && npm test

test-python: venv-dev frontend-build services test-packages
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf var frontend/dist tests/artifacts
