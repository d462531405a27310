"""The partition shards and worker processes share: stable, complete, disjoint, order-keeping."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from entra_profiles.run.partition import part_of, partition


@given(st.lists(st.text(min_size=1), unique=True), st.integers(1, 12))
def test_every_name_in_exactly_one_part_in_selection_order(names: list[str], count: int) -> None:
    parts = partition(names, count)
    assert len(parts) == count
    assert sorted(n for p in parts for n in p) == sorted(names)
    for p in parts:
        assert p == [n for n in names if n in set(p)]


def test_a_name_keeps_its_part_whatever_else_is_selected() -> None:
    names = [f"tenant-{i:04}" for i in range(1000)]
    alone = {n: part_of(n, 4) for n in names[:10]}
    together = partition(names, 4)
    assert all(n in together[alone[n]] for n in alone)
    assert all(200 <= len(p) <= 300 for p in together)  # a hash spreads names evenly enough


def test_the_same_part_in_another_process() -> None:
    code = "from entra_profiles.run.partition import part_of; print([part_of(f'p{i}', 7) for i in range(50)])"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert other.strip() == str([part_of(f"p{i}", 7) for i in range(50)])


def test_by_tenant_keeps_a_tenants_profiles_together() -> None:
    tenant = {f"p{i}": f"t{i % 10}" for i in range(100)}
    parts = partition(list(tenant), 3, key=tenant.__getitem__)
    for p in parts:
        tenants = {tenant[n] for n in p}
        assert all(tenant[n] in tenants for n in tenant if part_of(tenant[n], 3) == parts.index(p))
