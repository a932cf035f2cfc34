# The two commands of the README. Each sets up what it needs on a fresh machine first.
.PHONY: run test lint lock

export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

run:
	./devstack/bootstrap.sh
	.venv/bin/planflow up

# Lint and type-check the whole tree first: a style or type error fails the run before the slow suite starts.
test:
	./devstack/bootstrap.sh --test
	$(MAKE) --no-print-directory lint
	.venv/bin/python -m pytest -q -p no:cacheprovider

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/pyright

# Refresh the hashed lock files from pyproject.toml (newest versions its ranges allow), then reinstall.
LOCK = .venv/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --upgrade \
	--custom-compile-command "make lock" -q
lock:
	./devstack/bootstrap.sh --test
	$(LOCK) -o requirements/runtime.txt
	$(LOCK) --extra test -c requirements/runtime.txt -o requirements/test.txt
	./devstack/bootstrap.sh --test
