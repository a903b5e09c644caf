import logging

import pytest

from tests.citizen.helpers import SmsLog


@pytest.fixture
def sms():
    """The SMS messages the logging gateway writes, with the last code sent."""
    handler = SmsLog()
    logger = logging.getLogger("governance.delivery")
    before = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(before)
