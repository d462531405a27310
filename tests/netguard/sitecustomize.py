"""Loaded by subprocesses that tests start (PYTHONPATH=tests/netguard): the loopback-only guard."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from netguard_hook import install

install(fatal=True)
