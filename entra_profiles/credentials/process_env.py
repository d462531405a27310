"""Process environment variables that azure-identity reads, claimed for the length of a run.

azure-identity finds managed identity and Azure Pipelines endpoints only through os.environ, which
every profile of a run shares. A run may set such a variable for its sandbox or custom cloud, but two
profiles that need different values cannot both be served: the second is refused, plainly, instead
of being sent to the first one's endpoint. `release_all` restores what the run changed.
"""

from __future__ import annotations

import os
import threading

from entra_profiles.results import Failure, ProfileFailed

_lock = threading.Lock()
_claimed: dict[str, str | None] = {}  # name -> the value this run needs (None: unset)
_saved: dict[str, str | None] = {}  # name -> the value before the run


def claim(name: str, value: str | None, what: str) -> None:
    """Set (or unset) `name` for this run; refuse when another profile of the run needs another value."""
    with _lock:
        if name in _claimed:
            if _claimed[name] != value:
                raise ProfileFailed(
                    Failure(
                        "environment_conflict",
                        f"{what} needs {name}={value or '(unset)'}, but another profile of this run needs "
                        f"{_claimed[name] or '(unset)'}: azure-identity reads it from the process environment",
                        "run the profiles of different clouds or sandboxes in separate runs",
                    )
                )
            return
        _saved[name] = os.environ.get(name)
        _claimed[name] = value
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def release_all() -> None:
    """Put back what the run changed."""
    with _lock:
        for name, old in _saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
        _saved.clear()
        _claimed.clear()
