"""Settings for the test suite: the project's own, with one Redis database per pytest-xdist worker.

Under `pytest -n N` each worker has its own PostgreSQL database (pytest-django suffixes the name)
but would share one Redis: one worker's `cache.clear()` would empty another's cache, and a Celery
worker started by one test could take a task queued by another worker's test and run it against
the wrong database. Each xdist worker therefore uses Redis database 1 + its index. The variable is
changed in the environment, so the Celery worker processes a test starts inherit it.
"""

from __future__ import annotations

import os
import re

_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker.startswith("gw") and os.environ.get("REDIS_URL"):
    _index = int(_xdist_worker.removeprefix("gw")) + 1
    os.environ["REDIS_URL"] = re.sub(r"(redis://[^/]+)(/\d*)?$", rf"\g<1>/{_index}", os.environ["REDIS_URL"])

from governance.settings import *  # noqa: E402, F403
