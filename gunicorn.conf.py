"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment, so one file serves every machine:
GUNICORN_BIND (default 127.0.0.1:8000, behind a proxy that terminates TLS), WEB_CONCURRENCY
(worker processes; gunicorn's own variable, default 2 per core) and GUNICORN_TIMEOUT.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
# Page views and webhooks are short; uploads of large replies are the slowest requests.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Each worker builds its own app, so no database or Redis connection is ever shared across a
# fork; a broken setting still stops every worker at start with the reason.
preload_app = False
# The proxy sets X-Forwarded-For / -Proto; trust it only from the local machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
# No query strings in the access log: unsubscribe and API tokens never travel in them, but
# search terms do, and they are the campaign's business.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
