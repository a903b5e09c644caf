"""The first command of the README on the embedded default: SQLite, no Redis. The demo county loads,
the periodic scans run, and every menu page of every demo login answers (the lists use PostgreSQL-only SQL only where a
PostgreSQL-only path is chosen by the vendor; `id = ANY(ARRAY(…))` and DISTINCT ON once broke this)."""

import subprocess
import sys

from tests.governance.test_settings import CLEAN, ROOT

PAGES = """
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.urls import reverse
from governance.models import User
from governance.navigation import items_for

settings.ALLOWED_HOSTS = ["*"]
failed = []
for username in ("county", "township", "police", "mediator", "gridworker", "leader", "tleader", "sysadmin"):
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    pages = ["/"] + [reverse(item.url_name) for item in items_for(user)]
    for path in pages:
        status = client.get(path).status_code
        if status != 200:
            failed.append((username, path, status))
print("PAGES", len(failed), failed)
"""


def test_the_demo_loads_and_every_menu_page_answers_on_sqlite(tmp_path):
    env = {**CLEAN, "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "governance.settings", "PYTHONPATH": str(ROOT)}
    # The scans the beat runs every 15 minutes run there too (the overdue scan's key once overflowed
    # SQLite's parser stack).
    for args in (
        ["manage.py", "migrate", "-v0"],
        ["manage.py", "seed_demo", "--stats-days", "3"],
        ["manage.py", "run_overdue_scan"],
        ["manage.py", "run_warning_scan"],
        ["manage.py", "run_zero_report_check"],
    ):
        result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
    result = subprocess.run(
        [sys.executable, "-c", PAGES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PAGES 0 []" in result.stdout, result.stdout[-3000:]
