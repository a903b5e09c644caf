"""What the benchmark scripts share: Django set up on the configured database, and a refusal to
write benchmark data anywhere but a throwaway database. Import it before anything of Django's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402


class Rollback(Exception):
    """Raised inside the benchmark's transaction so that nothing it wrote stays."""


def database_name() -> str:
    return Path(str(connection.settings_dict.get("NAME") or "")).name


def refuse_unless_throwaway() -> None:
    name = database_name()
    if os.environ.get("BENCH_OK") == "1" or name.startswith(("bench", "test")):
        return
    sys.exit(
        f"refusing to write benchmark data into database {name!r}: use a database named bench* or test*, "
        "or set BENCH_OK=1"
    )
