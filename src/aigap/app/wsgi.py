"""WSGI entry point for any WSGI server (``waitress-serve aigap.app.wsgi:server``, ``gunicorn
aigap.app.wsgi:server``); `aigap serve` loads it once and forks its waitress workers. The store opens lazily per
process."""

import gc

from . import create_app

app = create_app()
server = app.server
# Everything imported so far lives as long as the process: keep it out of the garbage collector's full passes
# (they were the p95 tail of the heavier callbacks).
gc.freeze()
