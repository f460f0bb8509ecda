"""Avatars: style transfer engines, the painter process (child) and the jobs/messages that cross to it,
and the style images."""
