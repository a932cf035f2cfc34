"""UI fixtures: reuse the flows' PLANFLOW_* settings fixture (the SMTP server is the root conftest's) without the in-process Prefect harness."""

from tests.flows.conftest import flow_env  # noqa: F401  (fixture)
