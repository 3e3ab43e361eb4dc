"""Browser tests of the PWA: a package, so its conftest does not shadow tests/conftest.py."""
