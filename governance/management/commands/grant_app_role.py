"""Give the application's database role what it needs and nothing more (等保2.0: the audit trail
cannot be erased by the application's own account).

Run as the owner role, the one that ran `migrate` and owns every table, after each migrate (the
migrate service of docker-compose.yml does). The application role (web, worker, beat) then:

- owns nothing, is not superuser, cannot replicate, create roles or databases, bypass RLS;
- may SELECT, INSERT, UPDATE, DELETE the tables (no TRUNCATE, REFERENCES or TRIGGER), read and use
  their sequences, and the same on tables the owner creates later (default privileges);
- on the audit log only INSERT and SELECT: without ownership it cannot disable the append-only
  trigger, without superuser it cannot set session_replication_role; old rows leave through
  governance_audit_purge() only.
"""

from __future__ import annotations

import os
import re

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
FORBIDDEN_ATTRIBUTES = ("rolsuper", "rolreplication", "rolbypassrls", "rolcreaterole", "rolcreatedb")
AUDIT_TABLE = "governance_auditevent"


class Command(BaseCommand):
    help = "Grant the application's database role its privileges (run as the owner, after migrate)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the application role, e.g. zongzhi_app")
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="create the role if missing (LOGIN) and set its password from this environment variable",
        )

    def handle(self, *args, role: str, password_env: str | None = None, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role needs PostgreSQL")
        if not ROLE_NAME.fullmatch(role):
            raise CommandError(f"{role!r}: use lower-case letters, digits and _ for the role name")
        password = None
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                raise CommandError(f"{password_env} is empty")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, quote_ident(current_schema())")
            owner, schema = cursor.fetchone()
            if role == owner:
                raise CommandError("the application role must not be the owner role that runs this command")
            cursor.execute(f"SELECT {', '.join(FORBIDDEN_ATTRIBUTES)} FROM pg_roles WHERE rolname = %s", [role])
            attributes = cursor.fetchone()
            if attributes is None:
                if password is None:
                    raise CommandError(f"role {role} does not exist (create it, or pass --password-env)")
                cursor.execute(
                    f"CREATE ROLE {role} LOGIN PASSWORD %s"
                    " NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT",
                    [password],
                )
            else:
                held = [name for name, value in zip(FORBIDDEN_ATTRIBUTES, attributes, strict=True) if value]
                if held:
                    raise CommandError(f"role {role} holds {', '.join(held)}: ALTER ROLE it without them first")
                if password is not None:
                    cursor.execute(f"ALTER ROLE {role} PASSWORD %s", [password])
            cursor.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s", [role]
            )
            if cursor.fetchone()[0]:
                raise CommandError(f"role {role} owns tables here: REASSIGN OWNED BY {role} TO {owner} first")
            for statement in [
                f"GRANT USAGE ON SCHEMA {schema} TO {role}",
                f"REVOKE CREATE ON SCHEMA {schema} FROM {role}",
                f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
                f"REVOKE UPDATE, DELETE ON {schema}.{AUDIT_TABLE} FROM {role}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
                f"GRANT EXECUTE ON FUNCTION {schema}.governance_audit_purge(integer) TO {role}",
                # Tables and sequences the owner creates in later migrations.
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
            ]:
                cursor.execute(statement)
        self.stdout.write(f"{role}: privileges granted by {owner} in schema {schema}")
