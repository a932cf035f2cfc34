"""A year in a few minutes: replay a plan's reporting cycle on a simulated clock against real local servers.

`planflow simulate` (cli/simulate.py) runs `simulation.run.Simulation`: real servers
(`simulation/servers.py`: aiosmtpd catcher, Dovecot, the portal under uvicorn, a Prefect server and
a runner serving the approval deployment), seeded agencies (`simulation/agencies.py`) answering by
email (`simulation/mail.py`) and by upload (`simulation/upload.py`), and the Director answering the
suspended approval runs through the Prefect API. tests/e2e/test_simulate.py checks every outcome.
"""
