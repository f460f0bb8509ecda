"""Widgets that only show what they are given: video with overlays, bars, emoji, timeline, notices."""
