"""The JSONL request log: one line per request, with no secret, assertion or token in it."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

FIELDS = ("time", "method", "path", "kind", "tenant", "client_id", "status", "error", "fault", "latency_ms")


class RequestLog:
    """Appends records to `path`; only the fields in FIELDS are ever written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # 0600 whatever the umask
        self._handle = os.fdopen(fd, "a", encoding="utf-8")

    def write(self, **record: Any) -> None:
        record["time"] = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        line = json.dumps({k: record.get(k) for k in FIELDS if record.get(k) is not None}) + "\n"
        with self._lock:
            if not self._handle.closed:
                self._handle.write(line)
                self._handle.flush()

    def close(self) -> None:
        with self._lock:
            self._handle.close()


def read_log(path: Path) -> list[dict[str, Any]]:
    """The parsed records of a request log (an empty list when there is none yet)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
