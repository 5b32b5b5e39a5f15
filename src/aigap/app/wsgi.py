"""WSGI entry point for gunicorn: ``gunicorn aigap.app.wsgi:server``. The store opens lazily per worker."""

from . import create_app

app = create_app()
server = app.server
