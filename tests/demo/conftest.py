"""The demo county (`seed_demo`), loaded once for every test of this package.

Loading it takes tens of seconds, so it is not loaded per test: `demo_county` seeds it once, with
a year of daily statistics, inside a transaction that stays open while the package's tests run
and is rolled back after the last one; each test runs in a savepoint of it (pytest-django's `db`),
so what a test writes is gone before the next. The tests that check `seed_demo` itself on an
empty database (tests/governance/test_seed_demo.py) stay outside.

Under pytest-xdist the package's tests go to one worker together (`pytest_xdist_make_scheduler`
in tests/conftest.py), so one worker seeds once; interleaved with other packages' tests, pytest
would tear the fixture down and seed again.
"""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from grids.models import Region
from tests.factories import FAST_HASHERS, restore_reference_data

DEMO_STATS_DAYS = 366  # the dashboard test reads 本年


@pytest.fixture(scope="package")
def demo_county(django_db_setup, django_db_blocker):
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            restore_reference_data()  # a transactional test on this worker may have flushed them
            # Before the function-scoped settings of tests/conftest.py: hash as the tests do.
            with override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHERS):
                call_command("seed_demo", stats_days=DEMO_STATS_DAYS, stdout=io.StringIO())
            county = Region.objects.get(code="990101000000")
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    # The database stays blocked for tests that did not ask for it (`seeded` asks for `db`).
    yield county
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def seeded(demo_county, db):
    """The demo county, for a test that runs in a savepoint of the package's transaction."""
    return demo_county


@pytest.fixture(autouse=True)
def _debug_on(settings):
    # pytest-django runs tests with DEBUG off; the demo loader (called again by the tests of a
    # second run) is meant for DEBUG on.
    settings.DEBUG = True
