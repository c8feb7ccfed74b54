"""The loopback dovecot fixture of the intake tests (support/intake.py)."""

from support.intake import filled  # noqa: F401 - a fixture
