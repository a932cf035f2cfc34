"""Tests of the plan format, the reference plan and `planflow plan`."""
