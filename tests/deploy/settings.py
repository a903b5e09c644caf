"""Settings of the processes tests/deploy starts (gunicorn, Celery workers and beat): production's
(DEBUG off, from the environment the test sets) on the test's database and Redis database, with the
suite's fast password hashing: the users the test makes carry MD5 hashes, and hashing strength is
not under test (tests/conftest.py `_fast_hashing`)."""

from tests.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
