"""JSON (or text) logs, each line carrying the request id of the request it belongs to."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from adapters.settings import Settings

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Never let these reach a log line, whoever passes them as extra fields.
_SECRET_KEYS = {"password", "token", "access_token", "refresh_token", "secret", "authorization"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = "[redacted]" if key.lower() in _SECRET_KEYS else value
        if record.exc_info:
            # The type only: tracebacks can carry secrets and belong to an error tracker.
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "unknown"
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return f"error: {ei[0].__name__ if ei and ei[0] else 'unknown'}"

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        line = super().format(record)
        return f"{line} [request_id={rid}]" if rid else line


class TracebackScrubber(logging.Filter):
    """Libraries (RQ on a failed job) put whole tracebacks in the message text; a traceback can
    carry secrets and belongs in an error tracker, so the line keeps its first line and the
    exception type only."""

    MARK = "Traceback (most recent call last)"

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.MARK in message:
            head = message.split(self.MARK, 1)[0].strip()
            last = message.strip().splitlines()[-1]
            record.msg, record.args = f"{head} [{last.split(':', 1)[0].strip()}]", ()
        return True


def _stamp_request_ids() -> None:
    """Stamps the current request id on every record when it is created, so that handlers
    formatting later (or elsewhere) still know which request a line belongs to."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "stamps_request_ids", False):
        return

    def create(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        rid = request_id.get()
        if rid:
            record.request_id = rid
        return record

    create.stamps_request_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(create)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _stamp_request_ids()
    handler.addFilter(TracebackScrubber())
    handler.eduport = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    # Replace only our own handler: others (a test's capture, an APM agent) stay attached.
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "eduport", False)]
    root.addHandler(handler)
    root.setLevel(settings.log_level)
