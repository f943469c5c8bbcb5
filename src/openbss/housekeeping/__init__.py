"""Housekeeping: periodic work that keeps the database at a steady size (see :mod:`.retention`)."""
