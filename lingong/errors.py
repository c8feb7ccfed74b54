"""Why a command cannot go on: one exception tree, each carrying its Chinese message.

Validation problems in the stations' files are never exceptions (they are issues,
see ``spec.issues``); these are the failures that stop a command: wrong usage, a
file the bureau edits that cannot be used, an output folder held by another run.
``str(e)`` is the message for the clerk; cli.main prints it after ``prefix`` and exits with
``exit_status``. cli.main also turns what is not a LingongError into a clerk's message: an output
held open in Excel/WPS (``runtime.outfiles.OutputLocked``), a file the system would not read or
write (OSError: disk space, permissions), and anything else as a 程序内部错误 asking for --debug.
"""

from __future__ import annotations

EXIT_USAGE = 2  # wrong usage, unusable rules/registry/templates/settings, output folder busy


class LingongError(Exception):
    """A failure the clerk can act on."""

    exit_status = EXIT_USAGE
    prefix = "无法运行："


class FatalInput(LingongError):
    """The run cannot go on (exit status 2): unreadable rules file or no usable registry."""


class ConfigError(LingongError):
    """A file the bureau edits (rules, text templates, SMTP settings, the history) cannot be used."""


class RulesError(ConfigError):
    """The rules file cannot be used. ``str(e)`` is a Chinese message for the clerk."""


class SmtpConfigError(ConfigError):
    """The SMTP settings cannot be used; the message says what to change."""


class MailTemplateError(ConfigError):
    """A mail template cannot be read or rendered; the message says which and where."""


class TextTemplateError(ConfigError, ValueError):
    """A text template in templates/ is missing or cannot be read (message in Chinese)."""


class NoticeTemplateError(ConfigError):
    """The 通报 template cannot be read or rendered; the message says what to do."""


class HistoryError(ConfigError):
    """The history database cannot be used; ``str(e)`` is a Chinese message."""


class HistoryRefused(LingongError):
    """The history cannot take this assessment as typed (another city's history, a date out of
    order, a recheck of a period never assessed …); nothing was written. Exit status 2."""

    prefix = "不能记入考核历史："


class OutputBusy(LingongError):
    """Another run holds the output folder; ``str(e)`` is a Chinese message saying what to do."""


class ImapConfigError(ConfigError):
    """The IMAP settings of ``fetch`` cannot be used; the message says what to change."""


class MailboxError(LingongError):
    """The mailbox cannot be read (unreachable, login refused, a folder missing); nothing was
    stored past what the message says. Exit status 2."""

    prefix = "无法收信："
