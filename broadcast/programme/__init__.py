"""Daily programmes: station session templates, filling, editing, export."""
