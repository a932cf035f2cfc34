"""Serve only the `approve-and-send` deployment, for the simulation: a suspended approval needs a deployment to resume.

The full `deployments/serve.py` would also run the daily schedules on the real clock, which would
fight the simulated one; this serves the one deployment the flows start by name, nothing else.
Run as `python -m simulation.approver` with PREFECT_API_URL and the PLANFLOW_* settings in the environment.
"""

from __future__ import annotations


def main() -> None:
    """Serve `approve-and-send/director-approval` until SIGTERM."""
    from typing import cast

    from prefect import serve
    from prefect.deployments.runner import RunnerDeployment

    from flows.approval import APPROVAL_DEPLOYMENT, approve_and_send

    name = APPROVAL_DEPLOYMENT.split("/", 1)[1]
    deployment = approve_and_send.to_deployment(name=name, description="Simulation: the Director's approval")
    serve(cast(RunnerDeployment, deployment), print_starting_message=True)  # sync call: the deployment itself


if __name__ == "__main__":
    main()
