"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from campaign import create_app

app = create_app()
