"""A value kept in this process for a few seconds, in front of the shared cache.

Pages measure every listed case against the working-day calendar and the time-limit matrix; both
live in the shared cache (Redis in production), and asking Redis once per row would put a
network round trip behind every row of a list. A `LocalMemo` answers from memory for a few
seconds instead. An edit in this process forgets it at once; other processes see it within the
memo's lifetime.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
_ALL: list[LocalMemo] = []


class LocalMemo(Generic[T]):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._value: T | None = None
        self._until = 0.0
        _ALL.append(self)

    def get(self, load: Callable[[], T]) -> T:
        now = time.monotonic()
        if now >= self._until:
            self._value, self._until = load(), now + self.seconds
        return self._value  # type: ignore[return-value]

    def forget(self) -> None:
        self._until = 0.0


def forget_all() -> None:
    """For tests, whose data changes under the memo between one test and the next."""
    for memo in _ALL:
        memo.forget()
