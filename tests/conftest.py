from __future__ import annotations

import logging
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.factories import FAST_HASHERS, PASSWORD, PERSONAS, Org, build_org

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_xdist_make_scheduler(config, log):
    """Spread the tests one by one over the workers (as `--dist load`), except the demo county's
    (tests/demo), which go to one worker together so it seeds the demo once (tests/demo/conftest.py).
    Not `--dist loadgroup`: on pytest 9.2 its xdist_group marks stopped grouping anything
    (pytest-dev/pytest-xdist#1386)."""
    from xdist.scheduler import LoadScopeScheduling

    class DemoTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/demo/" if nodeid.startswith("tests/demo/") else nodeid

    return DemoTogether(config, log)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """scripts/mutation runs each mutant in a forked child of one pytest process against one
    PostgreSQL server (TEST_DB_PER_PROCESS): each child creates and drops its own test database."""
    if not os.environ.get("TEST_DB_PER_PROCESS"):
        return
    for database in settings.DATABASES.values():
        if database["ENGINE"] == "django.db.backends.postgresql":
            database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_p{os.getpid()}"


@pytest.fixture(autouse=True)
def _no_request_left_over():
    # A test-client request that raised never sends request_finished, so the request id's
    # "current request" could outlive it into the next test's non-request code.
    from governance.requestid import current_request

    current_request.set(None)


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cache (Redis under scripts/test) outlives each test's rolled-back transaction.
    from django.core.cache import cache

    from governance.memo import forget_all

    cache.clear()
    forget_all()
    yield
    cache.clear()
    forget_all()


@pytest.fixture(autouse=True)
def _fast_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def org(db) -> Org:
    return build_org()


@pytest.fixture
def login(client):
    """Sign a persona in through the real login form; returns the client."""

    used = []

    def _login(user, password: str = PASSWORD) -> Client:
        # The first person uses pytest-django's `client`; each further person gets a browser of their own.
        session = client if not used else Client()
        used.append(user)
        response = session.post("/login/", {"username": user.username, "password": password})
        assert response.status_code == 302, response.content.decode()[:500]
        return session

    return _login


@pytest.fixture(params=PERSONAS)
def persona(request, org):
    return request.param, org[request.param]


@pytest.fixture
def worker(transactional_db):
    """A `celery worker` process on the test database and the test Redis."""
    from governance.celery import app

    assert settings.CELERY_BROKER_URL.startswith("redis://"), "run the suite with scripts/test (needs REDIS_URL)"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    assert connection.vendor == "postgresql"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "governance", "worker", "--pool", "solo", "--loglevel", "WARNING"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the worker did not answer within 60 s"
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def sms():
    """The SMS messages the logging gateway writes (governance.delivery), with the last code sent:
    what a citizen's phone would receive on 码上办."""
    from tests.citizen.helpers import SmsLog

    handler = SmsLog()
    logger = logging.getLogger("governance.delivery")
    before = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(before)
