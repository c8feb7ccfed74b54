"""One exception tree: the CLI catches its root and nothing else by name."""

import pytest

from lingong import cli, errors
from lingong.errors import (
    FatalInput,
    HistoryError,
    MailTemplateError,
    NoticeTemplateError,
    OutputBusy,
    RulesError,
    TextTemplateError,
)
from lingong.mail.send import SmtpConfigError, TlsUnavailable


@pytest.mark.parametrize(
    "cls",
    [
        FatalInput,
        RulesError,
        SmtpConfigError,
        TlsUnavailable,
        MailTemplateError,
        TextTemplateError,
        NoticeTemplateError,
        HistoryError,
        OutputBusy,
    ],
)
def test_every_stopping_error_is_a_lingong_error_with_exit_status_2(cls):
    assert issubclass(cls, errors.LingongError) and cls.exit_status == 2


def test_the_cli_prints_the_message_and_exits_with_its_status(monkeypatch, capsys):
    class Odd(errors.ConfigError):
        exit_status = 3

    def boom(args, argv):
        raise Odd("规则文件第 3 行有误")

    monkeypatch.setattr(cli, "_dispatch", boom)
    assert cli.main(["--period", "2023H1"]) == 3
    assert capsys.readouterr().err.strip() == "无法运行：规则文件第 3 行有误"


def test_an_unexpected_error_is_still_an_internal_error(monkeypatch, capsys):
    def boom(args, argv):
        raise KeyError("x")

    monkeypatch.setattr(cli, "_dispatch", boom)
    assert cli.main(["--period", "2023H1"]) == 2
    assert "程序内部错误" in capsys.readouterr().err
