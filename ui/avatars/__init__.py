"""The Avatars panel: style picker, settings and the worker that talks to the painter process."""
