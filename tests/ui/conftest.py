"""UI fixtures: reuse the flow fixtures (real SMTP server, PLANFLOW_* settings) without the in-process Prefect harness."""

from tests.flows.conftest import flow_env, smtp  # noqa: F401  (fixtures)
