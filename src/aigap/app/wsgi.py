"""WSGI entry point for gunicorn: ``gunicorn aigap.app.wsgi:server``. The store opens lazily per worker."""

import gc

from . import create_app

app = create_app()
server = app.server
# Everything imported so far lives as long as the process: keep it out of the garbage collector's full passes
# (they were the p95 tail of the heavier callbacks).
gc.freeze()
