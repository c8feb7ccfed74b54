"""A broken template the bureau edited is explained the same way wherever it is used."""

import jinja2
import pytest

from lingong.render.template_errors import explain


def _error(source: str, loader_names=()):
    env = jinja2.Environment(loader=jinja2.DictLoader({"t.j2": source}), undefined=jinja2.StrictUndefined)
    try:
        env.get_template("missing.j2" if "missing" in loader_names else "t.j2").render()
    except jinja2.TemplateError as e:
        return e
    raise AssertionError("no error")


@pytest.mark.parametrize(
    "source, names, words",
    [
        ("{{ nobody }}", (), "邮件模板“t.j2” 用到了不存在的变量（'nobody' is undefined）；请对照程序自带的模板修改"),
        ("第一行\n{% if x %}", (), "邮件模板“t.j2” 第 2 行写法有误"),
        ("", ("missing",), "找不到邮件模板“t.j2”，请从程序自带的 templates 文件夹复制一份"),
    ],
)
def test_each_kind_of_break_says_which_template_where_and_what_to_do(source, names, words):
    assert explain(_error(source, names), "邮件模板“t.j2”").startswith(words)


def test_anything_else_still_names_the_template_and_the_fix():
    text = explain(ValueError("坏了"), "通报模板 通报模板.docx", "请重新生成默认模板")
    assert text == "通报模板 通报模板.docx 无法使用（ValueError: 坏了）；请重新生成默认模板"
