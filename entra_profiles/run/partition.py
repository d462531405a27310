"""One partition of a selection, for shards across machines (`run --shard K/N`) and for worker processes
on one machine alike: a profile's part is a hash of its key (its name, or its tenant so that a tenant's
profiles share one discovery), the same on every machine and in every Python process (not `hash()`,
which is salted per process), and independent of which other profiles are selected."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence


def part_of(key: str, count: int) -> int:
    """The part (0 … count-1) that `key` falls in."""
    if count < 1:
        raise ValueError("a partition has at least one part")
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def partition(names: Sequence[str], count: int, key: Callable[[str], str] = str) -> list[list[str]]:
    """`names` split into `count` parts by `key(name)`; each part keeps the selection's order."""
    parts: list[list[str]] = [[] for _ in range(count)]
    for name in names:
        parts[part_of(key(name), count)].append(name)
    return parts
