"""Genzong's server: storage, the sync and login API, Datasette and reminders."""
