"""Gunicorn settings for the production image (the `web` service in docker-compose.yml).

Used as: gunicorn governance.wsgi:application -c deploy/gunicorn.conf.py

Read from the environment (see deploy/env.example):
  WEB_CONCURRENCY      number of worker processes (default 3)
  FORWARDED_ALLOW_IPS  addresses allowed to set X-Forwarded-Proto for gunicorn (default 127.0.0.1,::1)
"""

import os


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name}={raw!r} is not an integer") from exc
    if value < 1:
        raise SystemExit(f"{name}={raw!r} must be at least 1")
    return value


bind = "0.0.0.0:8000"

# Plain sync workers: one request at a time per process. Static files come from whitenoise.
worker_class = "sync"
workers = _env_int("WEB_CONCURRENCY", 3)
timeout = 60
# On SIGTERM (docker stop) let running requests finish; the compose stop_grace_period is longer.
graceful_timeout = 30
# Recycle workers now and then so that a slow leak cannot grow without bound.
max_requests = 1000
max_requests_jitter = 100
# The worker heartbeat file lives in memory, not on the container's overlay file system.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# The container is managed by Docker; gunicorn's own control socket is not needed.
control_socket_disable = True

# Logs go to the container's stdout/stderr (docker compose logs web).
accesslog = "-"
errorlog = "-"
loglevel = "info"
# The default format plus the client address the reverse proxy reports.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" xff="%({x-forwarded-for}i)s"'

# Peers whose X-Forwarded-Proto gunicorn believes. Keep 127.0.0.1 in the list: the container's
# own health check comes from there.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

if __name__ == "__main__":
    for _name in ("bind", "worker_class", "workers", "timeout", "accesslog", "forwarded_allow_ips"):
        print(f"{_name} = {globals()[_name]!r}")
