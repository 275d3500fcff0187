"""The publisher: departments' raw files → validated, redacted, windowed SQLite."""
