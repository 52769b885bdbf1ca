# The README's two commands are `make run` and `make test`; `make bench` prints performance figures.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run serve test bench install system-deps python-deps node-deps assets migrate demo lint services clean

run: install migrate demo
	@echo "Trickle: http://127.0.0.1:8000  (Ctrl-C stops the web server, the Celery worker and scriptd)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(PY) manage.py scriptd & \
	  .venv/bin/celery -A config worker --beat --loglevel=INFO --concurrency=2 & \
	  $(PY) manage.py runserver 127.0.0.1:8000 --noreload & \
	  wait

# Production on one host: gunicorn, one Celery worker, exactly one beat and scriptd, with TRICKLE_PRODUCTION=true.
# Settings come from the environment or .env (see deploy/trickle.env.example and docs/deploy.md).
serve: install
	@export TRICKLE_PRODUCTION=true PROMETHEUS_MULTIPROC_DIR="$${PROMETHEUS_MULTIPROC_DIR:-$(CURDIR)/var/metrics}"; \
	  mkdir -p "$$PROMETHEUS_MULTIPROC_DIR" && \
	  $(PY) manage.py migrate --noinput -v0 && \
	  $(PY) manage.py check --deploy --fail-level ERROR && \
	  echo "Trickle (production): gunicorn on $${TRICKLE_BIND:-127.0.0.1:8000}; Ctrl-C stops every process" && \
	  trap 'kill 0' EXIT INT TERM; \
	  $(PY) manage.py scriptd & \
	  .venv/bin/celery -A config worker --loglevel=INFO --concurrency=$${CELERY_CONCURRENCY:-2} & \
	  .venv/bin/celery -A config beat --loglevel=INFO & \
	  .venv/bin/gunicorn -c config/gunicorn.py config.wsgi & \
	  wait

test: install services
	$(PY) -m pytest $(PYTEST_ARGS)
	@if [ -n "$$CI" ] || [ -n "$$TRICKLE_TEST_POSTGRES" ]; then \
	  echo "== the suite again on PostgreSQL =="; \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(PY) -m pytest -m "not browser and not production" $(PYTEST_ARGS); \
	fi

bench: install services
	$(PY) -m bench

install: system-deps python-deps node-deps assets

# Debian packages: bubblewrap (sandbox containment), chromium (browser tests), and a C++ toolchain
# (npm builds isolated-vm from source). Only root can install; others get a clear word about what is missing.
system-deps:
	@missing=""; command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	 command -v chromium >/dev/null || missing="$$missing chromium"; \
	 command -v g++ >/dev/null || missing="$$missing g++"; \
	 command -v make >/dev/null || missing="$$missing make"; \
	 if [ -n "$$missing" ]; then \
	   if [ "$$(id -u)" = 0 ]; then \
	     apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	   else echo "warning: please install the Debian packages:$$missing (scriptd runs without bwrap containment; browser tests are skipped)"; fi; \
	 fi

python-deps: .venv/.installed
.venv/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3.11 -m venv .venv || python3 -m venv .venv
	$(PIP) install -q -r requirements-dev.txt
	touch $@

node-deps: frontend/node_modules/.package-lock.json sandbox/node_modules/.package-lock.json
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
# npm ci installs every version of the module catalog (sandbox/catalog.json, npm aliases) and build bundles
# each; packages an operator added (var/sandbox-modules, `manage.py sandbox_modules add`) are rebundled
# with this checkout's build, never fetched again.
sandbox/node_modules/.package-lock.json: sandbox/package-lock.json sandbox/catalog.json sandbox/build.mjs
	cd sandbox && npm ci --no-audit --no-fund --loglevel=error
	cd sandbox && npm run --if-present build
	if [ -f var/sandbox-modules/catalog.json ]; then cd sandbox && node build.mjs --extra ../var/sandbox-modules; fi

assets: node-deps
	cd frontend && node build.mjs
	$(PY) manage.py collectstatic --noinput -v0

migrate: python-deps
	$(PY) manage.py migrate --noinput -v0

demo: migrate
	$(PY) manage.py setup_demo

# Start the local servers the suite talks to, when they are down (CI starts from a bare machine state).
services:
	@bash tests/start_services.sh

# Python (ruff: rules and formatting) and JavaScript (ESLint in each package); .ci/run runs it before the tests.
lint: python-deps node-deps
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	cd sandbox && npm run --silent lint
	cd frontend && npm run --silent lint

clean:
	rm -rf .venv var static/build frontend/node_modules sandbox/node_modules
