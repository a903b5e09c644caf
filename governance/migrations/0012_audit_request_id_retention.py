"""The audit log's request id and new events; retention on PostgreSQL.

The append-only trigger now lets a DELETE through for rows older than 180 days (等保2.0: audit
records kept at least six months) and refuses every younger one, whoever asks. The purge itself
is governance_audit_purge(keep_days): SECURITY DEFINER, so it runs as the role that migrated
(the owner); the application's role may execute it (manage.py grant_app_role) but holds no DELETE
on the table itself."""

from django.db import migrations, models

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION governance_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'governance_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
"""
PURGE = """
CREATE OR REPLACE FUNCTION governance_audit_purge(keep_days integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    removed bigint;
BEGIN
    DELETE FROM {table} WHERE at < now() - make_interval(days => greatest(keep_days, 180));
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END;
$$;
REVOKE ALL ON FUNCTION governance_audit_purge(integer) FROM PUBLIC;
"""
OLD_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION governance_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'governance_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
DROP FUNCTION IF EXISTS governance_audit_purge(integer);
"""


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        schema = cursor.fetchone()[0]
    schema_editor.execute(APPEND_ONLY)
    # The function's search_path is pinned (SECURITY DEFINER), so the table is named in full.
    schema_editor.execute(PURGE.replace("{table}", f"{schema}.governance_auditevent"))


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD_APPEND_ONLY)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0011_two_factor"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="request_id",
            field=models.CharField(blank=True, db_index=True, max_length=64, verbose_name="请求编号"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("login", "登录成功"),
                    ("login_failed", "登录失败"),
                    ("locked_out", "账号锁定"),
                    ("logout", "退出登录"),
                    ("password_changed", "修改密码"),
                    ("access_denied", "越权访问被拒绝"),
                    ("export", "导出数据"),
                    ("reveal", "查看敏感信息"),
                    ("role_granted", "授予角色"),
                    ("role_revoked", "撤销角色"),
                    ("not_found", "访问范围外或不存在的对象"),
                    ("admin_addition", "配置新增"),
                    ("admin_change", "配置修改"),
                    ("admin_deletion", "配置删除"),
                    ("audit_purged", "清理过期审计日志"),
                ],
                db_index=True,
                max_length=20,
                verbose_name="事件",
            ),
        ),
        migrations.RunPython(create, drop),
    ]
