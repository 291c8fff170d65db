"""Domain model and rules that do not depend on audio or the web."""
