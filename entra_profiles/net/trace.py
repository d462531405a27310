"""What one profile's HTTP calls met, whichever thread made them: the request on the wire, the last
answer, and the deadline the profile gives up at.

azure-identity hands token responses to msal, and a refused token request surfaces as an exception
without its HTTP status; a call abandoned at its deadline leaves no exception at all. The thread that
waits for a profile reads its Trace to tell throttling from a refusal, and to name the endpoint that
was silent. A worker thread started for a profile adopts the profile's Trace (see deadlines.within).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from entra_profiles.deadlines import Deadline


@dataclass(frozen=True)
class LastResponse:
    status: int
    retry_after: str | None
    url: str
    said: str | None = None  # a 4xx answer's own explanation (error_description or message), if any
    problem: str | None = None  # what is wrong with an answer that is not an error: see causes.answer_problem


@dataclass
class Trace:
    deadline: Deadline | None = None  # when the profile gives up waiting
    sending: str | None = None  # the URL of the request on the wire, until its answer is read
    last: LastResponse | None = None
    sock: Any = None  # the socket of that request, where the client says (net/light.py): deadlines.guarded
    aborted: bool = False  # its deadline passed while it waited: a request it starts is cut at once


_local = threading.local()
S = TypeVar("S")


def trace() -> Trace:
    """This thread's Trace (a new one on first use)."""
    current: Trace | None = getattr(_local, "trace", None)
    if current is None:
        current = _local.trace = Trace()
    return current


def adopt(shared: Trace) -> Trace:
    """Record this thread's requests in `shared` (a worker thread doing a profile's work)."""
    _local.trace = shared
    return shared


def forget_last_response() -> None:
    trace().last = None


def watched(sock: S) -> S:
    """Tell the calling profile's Trace which socket its request uses, so that its deadline can cut it
    (deadlines.guarded); cut at once when the deadline has passed already."""
    record = trace()
    record.sock = sock
    if record.aborted:
        from entra_profiles.deadlines import cut

        cut(record)
    return sock
