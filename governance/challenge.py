"""The challenge a browser solves after repeated failures from its address (ALTCHA: a
proof-of-work the page's widget computes, served by the app itself, no outside captcha service).
A solved challenge is good once: its signature is recorded, and a replay is refused."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import timedelta

import altcha
from django.conf import settings
from django.utils import timezone

from governance.crypto import blind_index
from governance.models import PublicAttempt

SOLVED = "challenge"


def _key() -> str:
    return blind_index("altcha:" + settings.SECRET_KEY)


def new_challenge() -> dict:
    challenge = altcha.create_challenge_v1(
        altcha.ChallengeOptionsV1(
            hmac_key=_key(),
            max_number=settings.CITIZEN_CHALLENGE_DIFFICULTY,
            expires=timezone.now() + timedelta(minutes=10),
        )
    )
    return {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "maxnumber": challenge.max_number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }


def solved(payload: str) -> bool:
    """True for a correct, unexpired solution not used before (then it is used)."""
    if not payload or len(payload) > 2000:
        return False
    try:
        ok, _error = altcha.verify_solution_v1(payload, _key(), check_expires=True)
    except (ValueError, TypeError, KeyError, binascii.Error):
        return False
    if not ok:
        return False
    try:
        signature = json.loads(base64.b64decode(payload))["signature"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        return False
    marker = blind_index(f"altcha-used:{signature}")
    if PublicAttempt.objects.filter(action=SOLVED, phone_index=marker).exists():
        return False
    PublicAttempt.objects.create(action=SOLVED, phone_index=marker)
    return True
