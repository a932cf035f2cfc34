"""The `planflow` command line."""
