"""The backup and restore drill, run by CI: the README's pg_dump of the database, restored into
an empty one, the application started on the copy, encrypted personal data read back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.db import connection

from tests.disputes.conftest import VALID_ID, intake

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump / pg_restore")

READ_BACK = """
import json
from django.test import Client
from disputes.models import Case
from governance.crypto import decrypt
from governance.models import User

case = Case.objects.get(number={number!r})
party = case.parties.get(name="张三")
client = Client()
client.force_login(User.objects.get(username="township_officer"))
page = client.get(f"/cases/{{case.number}}/", HTTP_HOST="localhost")
print(json.dumps({{
    "id_number": decrypt(party.id_number_encrypted),
    "phone": decrypt(party.phone_encrypted),
    "status": page.status_code,
    "masked_phone_shown": party.phone_masked in page.content.decode(),
}}))
"""


def url(database: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{database}"


def row_counts(database: str) -> dict[str, int]:
    with psycopg.connect(url(database)) as conn:
        tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def run(args: list[str], **env: str) -> str:
    done = subprocess.run(args, env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_and_the_application_runs_on_it(org, tmp_path):
    case = intake(org)  # 张三 with an ID number and a phone, stored encrypted
    source = connection.settings_dict["NAME"]
    restored = f"zz_restore_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "zongzhi.dump"
    assert shutil.which("pg_dump") and shutil.which("pg_restore")

    # The README's commands: a custom-format dump, restored into a new empty database.
    run(["pg_dump", "--format=custom", "--file", str(dump), url(source)])
    with psycopg.connect(url("postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {restored}")
    try:
        run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", url(restored), str(dump)])
        assert row_counts(restored) == row_counts(source)

        manage = [sys.executable, "manage.py"]
        run([*manage, "check"], DATABASE_URL=url(restored))
        run([*manage, "migrate", "--check"], DATABASE_URL=url(restored))  # nothing left unapplied
        output = run([*manage, "shell", "-c", READ_BACK.format(number=case.number)], DATABASE_URL=url(restored))
        read = json.loads(output.strip().splitlines()[-1])
        assert read == {"id_number": VALID_ID, "phone": "13800138000", "status": 200, "masked_phone_shown": True}
    finally:
        with psycopg.connect(url("postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {restored} WITH (FORCE)")
