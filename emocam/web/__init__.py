"""emocam in a browser: ``python -m emocam serve`` (FastAPI + uvicorn), a plain HTML/CSS/JS page
and a JSON API, on this computer only by default. See :mod:`emocam.web.app` for the routes.

Only this file and :mod:`emocam.web.serve` import without the ``web`` extra, so ``serve`` can say
which extra is missing."""

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")  # Host header values of this computer
