# The two commands of the README. Each sets up what it needs on a fresh machine first.
.PHONY: run test

export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

run:
	./devstack/bootstrap.sh
	.venv/bin/planflow up

test:
	./devstack/bootstrap.sh --test
	.venv/bin/python -m pytest -q -p no:cacheprovider
