"""The stream between a worker process and its parent: length-prefixed pickles (plain dataclasses),
STARTED first, then one ProfileResult per profile as it finishes, each redacted in the worker (it alone
knows the Key Vault values it read)."""

from __future__ import annotations

import pickle
import struct
import threading
from dataclasses import fields, is_dataclass, replace
from typing import IO, Any

from entra_profiles.redact import REDACTOR
from entra_profiles.results import ProfileResult

HEADER = struct.Struct("!I")


def read_messages(stream: IO[bytes]) -> Any:
    """The messages a worker wrote (STARTED, then results), until its stream ends (or breaks off)."""
    while True:
        head = stream.read(HEADER.size)
        if len(head) < HEADER.size:
            return
        (size,) = HEADER.unpack(head)
        body = stream.read(size)
        if len(body) < size:
            return
        yield pickle.loads(body)


def write_message(stream: IO[bytes], message: object, lock: threading.Lock) -> None:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    with lock:
        stream.write(HEADER.pack(len(body)) + body)
        stream.flush()


def send_result(stream: IO[bytes], result: ProfileResult, lock: threading.Lock) -> None:
    """One result, redacted here: this process alone knows the Key Vault values it read."""
    write_message(stream, redacted(result), lock)


def redacted(value: Any) -> Any:
    """`value` with every string in it redacted: a result's fields, its failure, checks and credentials
    (dataclasses), their lists and dicts; other values as they are."""
    if isinstance(value, str):
        return REDACTOR.redact(value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: redacted(getattr(value, f.name)) for f in fields(value) if f.init})
    if isinstance(value, list):
        return [redacted(v) for v in value]
    if isinstance(value, dict):
        return {k: redacted(v) for k, v in value.items()}
    return value
