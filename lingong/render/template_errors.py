"""One Chinese sentence for a bureau-edited template that cannot be used.

The 完成情况/考核验收情况 texts, the mail templates and the 通报 are all Jinja
templates the bureau may edit; whichever one breaks, the clerk is told the same
way: which template, which line, what is wrong, what to do.
"""

from __future__ import annotations


def explain(exc: BaseException, what: str, fix: str = "请对照程序自带的模板修改") -> str:
    """``what`` names the template as the clerk knows it (e.g. 邮件模板“邮件主题.j2”)."""
    import jinja2

    if isinstance(exc, jinja2.TemplateNotFound):
        return f"找不到{what}，请从程序自带的 templates 文件夹复制一份"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        line = f"第 {exc.lineno} 行" if exc.lineno else ""
        return f"{what} {line}写法有误：{exc.message}；{fix}"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"{what} 试图访问程序内部的对象（{exc}），出于安全考虑已拒绝；模板中只能使用说明中列出的变量。{fix}"
    if isinstance(exc, jinja2.UndefinedError):
        return f"{what} 用到了不存在的变量（{exc.message}）；{fix}"
    return f"{what} 无法使用（{type(exc).__name__}: {exc}）；{fix}"
