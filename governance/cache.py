"""The shared cache (Redis) as an optimisation only: when Redis does not answer, every operation
behaves as a miss and the caller reads the database instead.

Without this, Django's RedisCache raises redis' ConnectionError out of `cache.get` and every page
that measures a case against the calendar or the time-limit matrix answers 500, as does the
overdue scan. Here an unreachable Redis is logged once per outage, then left alone for
`RETRY_SECONDS` (no connect timeout paid on every row of a list); the first operation after that
tries again, and success is logged as the end of the outage.

A write that failed during the outage (an admin edit's `cache.delete`, a `cache.set`) leaves the
old value in Redis; the process remembers those keys and deletes them as soon as Redis answers
again, so no edit made during an outage is hidden by a stale copy afterwards.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)


def _without_password(server: str) -> str:
    """redis://:secret@host:6379/0 → redis://host:6379/0, for the log."""
    return re.sub(r"//[^/@]*@", "//", server)


UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class _Outages:
    """Per process and server: until when Redis is left alone. Django builds one cache object per
    thread, so this state lives here and is shared by the threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every outage (tests that point the cache at a server of their own)."""
        self._until: dict[str, float] = {}
        self._stale: dict[str, set[tuple[str, int | None]]] = {}

    def skipping(self, server: str) -> bool:
        until = self._until.get(server)
        return until is not None and time.monotonic() < until

    def failed(self, server: str, exc: BaseException, retry_seconds: float, stale: set) -> None:
        with self._lock:
            first = server not in self._until
            self._until[server] = time.monotonic() + retry_seconds
            self._stale.setdefault(server, set()).update(stale)
        if first:
            logger.warning(
                "cache %s unavailable (%s: %s); reading the database instead, retrying every %ss",
                _without_password(server),
                exc.__class__.__name__,
                exc,
                retry_seconds,
            )

    def failed_quietly(self, server: str, stale: set) -> None:
        if stale:
            with self._lock:
                self._stale.setdefault(server, set()).update(stale)

    def stale(self, server: str) -> set[tuple[str, int | None]]:
        if not self._stale.get(server):  # the usual case, without taking the lock
            return set()
        with self._lock:
            return set(self._stale.get(server, ()))

    def recovered(self, server: str, deleted: set[tuple[str, int | None]]) -> None:
        """Redis answered again and the keys written during the outage are deleted."""
        if server not in self._until:
            return
        with self._lock:
            was_down = self._until.pop(server, None) is not None
            left = self._stale.pop(server, set()) - deleted
            if left:  # written by another thread meanwhile
                self._stale[server] = left
        if was_down:
            logger.warning("cache %s available again", _without_password(server))


outages = _Outages()


class ResilientRedisCache(RedisCache):
    """Django's RedisCache that treats an unreachable Redis as an empty cache.

    OPTIONS: RETRY_SECONDS (default 30) between attempts during an outage; the others go to the
    redis connection pool (socket_connect_timeout, socket_timeout keep a dead host from hanging
    a request)."""

    def __init__(self, server: str, params: dict) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 30))
        super().__init__(server, {**params, "OPTIONS": options})
        self._server_key = ",".join(self._servers)

    def _guarded(self, miss: Any, operation: Callable[[], Any], written: Iterable[tuple[str, int | None]] = ()) -> Any:
        """`written`: the keys (and version) the operation changes, remembered if it fails."""
        if outages.skipping(self._server_key):
            outages.failed_quietly(self._server_key, set(written))
            return miss
        try:
            # After an outage, first the copies of keys that could not be written meanwhile go.
            stale = outages.stale(self._server_key)
            for key, version in stale:
                super().delete(key, version)
            result = operation()
        except UNAVAILABLE as exc:
            outages.failed(self._server_key, exc, self.retry_seconds, set(written))
            return miss
        outages.recovered(self._server_key, stale)
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._guarded(
            False, lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), [(key, version)]
        )

    def get(self, key, default=None, version=None) -> Any:
        return self._guarded(default, lambda: super(ResilientRedisCache, self).get(key, default, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._guarded(
            None, lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), [(key, version)]
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._guarded(False, lambda: super(ResilientRedisCache, self).touch(key, timeout, version))

    def delete(self, key, version=None) -> bool:
        return self._guarded(False, lambda: super(ResilientRedisCache, self).delete(key, version), [(key, version)])

    def get_many(self, keys, version=None) -> dict:
        return self._guarded({}, lambda: super(ResilientRedisCache, self).get_many(keys, version))

    def has_key(self, key, version=None) -> bool:
        return self._guarded(False, lambda: super(ResilientRedisCache, self).has_key(key, version))

    def incr(self, key, delta=1, version=None) -> int:
        # A missing key raises ValueError in every backend; an unreachable one is missing.
        missing = object()
        result = self._guarded(
            missing, lambda: super(ResilientRedisCache, self).incr(key, delta, version), [(key, version)]
        )
        if result is missing:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        return self._guarded(
            list(data),
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            [(k, version) for k in data],
        )

    def delete_many(self, keys, version=None) -> None:
        self._guarded(
            None, lambda: super(ResilientRedisCache, self).delete_many(keys, version), [(k, version) for k in keys]
        )

    def clear(self) -> None:
        self._guarded(None, lambda: super(ResilientRedisCache, self).clear())
