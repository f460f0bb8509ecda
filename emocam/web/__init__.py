"""emocam in a browser: ``python -m emocam serve`` (FastAPI + uvicorn), a plain HTML/CSS/JS page
and a JSON API, on this computer only by default. See :mod:`emocam.web.app` for the routes."""
