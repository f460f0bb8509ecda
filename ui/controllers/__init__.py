"""Window parts that act on the live session: sources, models, recording, status, menus."""
