"""What the citizen tests share: reading the SMS code the logging gateway wrote."""

from __future__ import annotations

import logging
import re

CODE = re.compile(r"验证码 (\d{6})")


class SmsLog(logging.Handler):
    """Collects what governance.delivery's logging gateway 'sent'."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "governance.delivery" and record.getMessage().startswith("SMS to "):
            self.texts.append(record.getMessage())

    def last_code(self) -> str:
        for text in reversed(self.texts):
            found = CODE.search(text)
            if found:
                return found.group(1)
        raise AssertionError(f"no SMS code was sent: {self.texts}")
