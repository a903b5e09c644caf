"""The settings module in a fresh interpreter: embedded defaults, and production from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DROP = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
CLEAN = {k: v for k, v in os.environ.items() if k not in DROP}
PRINT = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.DEBUG, s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.TIME_ZONE, s.LANGUAGE_CODE]))"
)


def run(args, env):
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_nothing_set_means_debug_sqlite_and_a_serverless_broker(tmp_path):
    result = run(
        [sys.executable, "-c", PRINT],
        {**CLEAN, "VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "governance.settings"},
    )
    assert result.returncode == 0, result.stderr
    debug, engine, broker, tz, language = json.loads(result.stdout)
    assert debug is True
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://"
    assert (tz, language) == ("Asia/Shanghai", "zh-hans")


def test_the_serverless_broker_keeps_all_its_files_under_var_dir(tmp_path):
    """A task sent without Redis writes its queue and its exchange table under VAR_DIR, nothing in
    the directory the process was started from (kombu's default `control/` was once committed)."""
    var, cwd = tmp_path / "var", tmp_path / "cwd"
    cwd.mkdir()
    send = (
        "import django; django.setup(); from governance.celery import app; app.send_task('governance.tasks.heartbeat')"
    )
    env = {**CLEAN, "VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "governance.settings", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", send], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert list(cwd.iterdir()) == []
    assert list((var / "celery" / "control").glob("*.exchange"))
    assert list((var / "celery" / "queue").iterdir())


def test_production_environment_passes_check_deploy(tmp_path):
    env = {
        **CLEAN,
        "VAR_DIR": str(tmp_path),
        "DEBUG": "0",
        "SECRET_KEY": "x7Gq2-pL9vZ0mT4kR8sW1yB6nC3hJ5dF0aE2uI9oP7lK4jH8gS",
        "ALLOWED_HOSTS": "zongzhi.county.gov.cn",
        "FIELD_ENCRYPTION_KEY": "3q2-7wVn0cQ1s0f5vYk8l9Gm4Hn6Jp2Rt5Uw8Xz1Ab4=",
        "BLIND_INDEX_KEY": "a-long-random-blind-index-key-for-tests-only",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://u@127.0.0.1:5432/db"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    engine = run([sys.executable, "-c", PRINT], {**env, "DJANGO_SETTINGS_MODULE": "governance.settings"})
    debug, engine, broker, _tz, _language = json.loads(engine.stdout)
    assert debug is False and engine == "django.db.backends.postgresql" and broker.startswith("redis://")


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = run([sys.executable, "manage.py", "check"], {**CLEAN, "VAR_DIR": str(tmp_path), "DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_bad_boolean_is_refused_loudly(tmp_path):
    result = run([sys.executable, "manage.py", "check"], {**CLEAN, "VAR_DIR": str(tmp_path), "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "is not a boolean" in result.stderr
