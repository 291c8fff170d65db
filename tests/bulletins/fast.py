"""Cheap argon2 parameters for tests: the demo's seven users otherwise cost ~0.5 s to hash per test.

Import ``fast_hashing`` into a test module (it is autouse) to use it there.
"""

import pytest
from argon2 import PasswordHasher

import broadcast.security as security

_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(security, "_hasher", _FAST)
