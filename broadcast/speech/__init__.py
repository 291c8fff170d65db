"""Speech: normalising administrative Vietnamese and turning it into audio."""
