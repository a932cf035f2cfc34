"""Access-log hygiene: a personal link's token is a secret, so uvicorn's access log shows `/u/…` instead."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"/u/[^/?\s]+")


class RedactLinkTokens(logging.Filter):
    """Replace the token of `/u/{token}` paths in uvicorn access-log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN.sub("/u/…", a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_access_log(logger_name: str = "uvicorn.access") -> None:
    """Install the filter on uvicorn's access logger (idempotent)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
        logger.addFilter(RedactLinkTokens())
