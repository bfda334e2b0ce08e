"""Fixtures shared by every test suite."""

from tests.logcapture import logs  # noqa: F401 - re-exported as a fixture for all tests
