# The two commands of the README. Each sets up what it needs on a fresh machine first.
.PHONY: run test lint lock lock-upgrade

export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

run:
	./devstack/bootstrap.sh
	.venv/bin/planflow up

# Lint and type-check the whole tree first: a style or type error fails the run before the slow suite starts.
# The suite runs on two pytest-xdist workers, a module per worker at a time (--dist loadscope), so a
# module-scoped fixture is built once; each worker has its own Prefect harness and PostgreSQL database.
test:
	./devstack/bootstrap.sh --test
	$(MAKE) --no-print-directory lint
	.venv/bin/python -m pytest -q -p no:cacheprovider -n 2 --dist loadscope

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/pyright -p .  # this project's pyproject.toml, even under a folder holding another pyright config

# Refresh the hashed lock files from pyproject.toml, then reinstall. `make lock` keeps every pin it can
# (a new dependency gets its newest allowed version); `make lock-upgrade` moves every pin to the newest allowed.
LOCK = .venv/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" -q
# The lock tool comes first, at its locked version: the full bootstrap refuses stale locks.
lock:
	[ -x .venv/bin/uv ] || { python3 -m venv .venv && .venv/bin/python -m pip install -q "$$(grep -m1 '^uv==' requirements/test.txt | cut -d' ' -f1)"; }
	$(LOCK) $(LOCK_FLAGS) -o requirements/runtime.txt
	$(LOCK) $(LOCK_FLAGS) --extra test -c requirements/runtime.txt -o requirements/test.txt
	./devstack/bootstrap.sh --test

lock-upgrade:
	$(MAKE) --no-print-directory lock LOCK_FLAGS=--upgrade
