"""The application's database role cannot erase the audit trail (等保2.0). Real PostgreSQL: a
database owned by an owner role, migrated by it, then `grant_app_role`; the checks connect as
the application role."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL roles")


def server_url(user: str, database: str) -> str:
    db = connection.settings_dict
    return f"postgres://{user}@{db['HOST']}:{db['PORT']}/{database}"


def manage(*args: str, database_url: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**os.environ, "DATABASE_URL": database_url, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def owned_database(django_db_setup):
    """(owner, app, database): a fresh database owned and migrated by `owner`; `app` granted.
    Once per module: migrating takes most of a minute."""
    suffix = uuid.uuid4().hex[:8]
    owner, app, name = f"zz_owner_{suffix}", f"zz_app_{suffix}", f"zz_roles_{suffix}"
    admin_url = server_url(connection.settings_dict["USER"], "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {owner} LOGIN CREATEROLE")
        admin.execute(f"CREATE DATABASE {name} OWNER {owner}")
    try:
        manage("migrate", "--noinput", database_url=server_url(owner, name))
        manage("grant_app_role", app, "--password-env", "APP_PW", database_url=server_url(owner, name), APP_PW="pw")
        yield owner, app, name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {app}")
            admin.execute(f"DROP ROLE IF EXISTS {owner}")


def refused(conn: psycopg.Connection, statement: str) -> str:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement)
    return caught.value.sqlstate


def test_the_application_role_cannot_erase_the_audit_log(owned_database):
    _owner, app, name = owned_database
    with psycopg.connect(server_url(app, name), autocommit=True) as conn:
        before = conn.execute("SELECT count(*) FROM governance_auditevent").fetchone()[0]
        row = conn.execute(
            "INSERT INTO governance_auditevent (at, action, username, path, detail, request_id, actor)"
            " VALUES (now(), 'login', 'x', '', '', '', '') RETURNING id"
        ).fetchone()
        assert conn.execute("SELECT count(*) FROM governance_auditevent WHERE id = %s", row).fetchone() == (1,)

        insufficient = "42501"
        assert refused(conn, "UPDATE governance_auditevent SET detail = 'tampered'") == insufficient
        assert refused(conn, "DELETE FROM governance_auditevent") == insufficient
        assert refused(conn, "TRUNCATE governance_auditevent") == insufficient
        assert refused(conn, "ALTER TABLE governance_auditevent DISABLE TRIGGER ALL") == insufficient
        assert (
            refused(conn, "ALTER TABLE governance_auditevent DISABLE TRIGGER governance_auditevent_append_only")
            == insufficient
        )
        assert refused(conn, "SET session_replication_role = replica") == insufficient
        assert refused(conn, "DROP TABLE governance_auditevent") == insufficient
        assert refused(conn, "TRUNCATE governance_unit CASCADE") == insufficient
        assert refused(conn, "CREATE TABLE intruder (id int)") == insufficient
        assert conn.execute("SELECT count(*) FROM governance_auditevent").fetchone() == (before + 1,)

        attributes = conn.execute(
            "SELECT rolsuper, rolreplication, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles"
            " WHERE rolname = current_user"
        ).fetchone()
        assert attributes == (False, False, False, False, False)
        owns = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
        assert owns.fetchone() == (0,)

    # The application itself works under the role: the overdue scan reads, locks and writes.
    manage("run_overdue_scan", database_url=server_url(app, name))


def test_only_rows_past_the_retention_can_be_purged(owned_database):
    owner, app, name = owned_database
    old, recent = timezone.now() - timedelta(days=181), timezone.now() - timedelta(days=179)
    with psycopg.connect(server_url(app, name), autocommit=True) as conn:
        ids = [
            conn.execute(
                "INSERT INTO governance_auditevent (at, action, username, path, detail, request_id, actor)"
                " VALUES (%s, 'login', 'x', '', '', '', '') RETURNING id",
                [at],
            ).fetchone()[0]
            for at in (old, recent)
        ]
    # Even the owner cannot delete a row younger than 180 days (the trigger).
    with psycopg.connect(server_url(owner, name), autocommit=True) as conn:
        assert refused(conn, "DELETE FROM governance_auditevent WHERE at > now() - interval '180 days'") == "P0001"
        assert refused(conn, "UPDATE governance_auditevent SET detail = 'x'") == "P0001"
        conn.execute("SELECT governance_audit_purge(30)")  # 30 counts as 180: nothing younger goes
        assert conn.execute("SELECT count(*) FROM governance_auditevent WHERE id = %s", [ids[1]]).fetchone() == (1,)

    # The nightly purge, run as the application: the old row goes, the recent one stays.
    with psycopg.connect(server_url(owner, name), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO governance_auditevent (at, action, username, path, detail, request_id, actor)"
            " VALUES (%s, 'login', 'x', '', '', '', '') RETURNING id",
            [old],
        )
    manage("purge_audit_log", database_url=server_url(app, name))
    with psycopg.connect(server_url(app, name), autocommit=True) as conn:
        left = [
            i for (i,) in conn.execute("SELECT id FROM governance_auditevent WHERE at < now() - interval '180 days'")
        ]
        kept = conn.execute("SELECT count(*) FROM governance_auditevent WHERE id = %s", [ids[1]]).fetchone()
        purged = conn.execute("SELECT detail FROM governance_auditevent WHERE action = 'audit_purged'").fetchall()
    assert left == [] and kept == (1,)
    assert ("1 rows older than 180 days",) in purged
