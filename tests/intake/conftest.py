"""The loopback dovecot fixture of the intake tests (support/intake.py); a run without dovecot
says so at its end, not only in a skip reason that -q hides."""

from support.dovecot import DOVECOT, SKIP_REASON
from support.intake import filled  # noqa: F401 - a fixture


def pytest_terminal_summary(terminalreporter):
    if DOVECOT is None:
        terminalreporter.write_line(SKIP_REASON, red=True, bold=True)
