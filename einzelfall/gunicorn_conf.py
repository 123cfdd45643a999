"""gunicorn's settings for `make serve` and production (gunicorn -c einzelfall/gunicorn_conf.py).

Every value can be set from the environment. Threads (gthread) rather than more processes:
the site waits on PostgreSQL and Redis more than it computes, and a streaming carrier export
that runs for minutes occupies one thread, not a whole worker.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# With gthread the timeout is the worker's heartbeat, not a limit on a request: a long export
# keeps streaming. A worker that stops answering that long is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
# On a reload (HUP), a restart after max_requests or a stop, a worker's running requests get
# this long to finish: a carrier export can take minutes.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 600))
keepalive = 5
# A fresh worker now and then: memory that a rare big request took comes back.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
# The proxy in front (nginx) on this machine is trusted for X-Forwarded-* (see docs/deploy.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The access log without the client's address (%(h)s): no raw IP is written anywhere; and
# without the private parts of links (access_log.PrivateLinksLogger).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '"%(m)s %(U)s" %(s)s %(b)s %(M)sms'
logger_class = "einzelfall.access_log.PrivateLinksLogger"
errorlog = "-"
# gunicorn's control socket (gunicornc) is not used; by default every instance of a user
# would share one path in the home directory.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "") == ""
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "") or "gunicorn.ctl"
