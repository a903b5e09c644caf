from __future__ import annotations

import os

import pytest
from django.test import Client

from tests.factories import PASSWORD, PERSONAS, Org, build_org

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_hashing(settings) -> None:
    # Hashing strength is not under test; the password rules are (validators, not hashers).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
