"""Visitor text inside the page's Markdown is shown as typed: no character of it becomes markup."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from panels.text import escape_markdown

# CommonMark, the Markdown Streamlit's renderer follows; its own reading of the text is the oracle
_COMMONMARK = MarkdownIt("commonmark")
_TYPED = st.text(alphabet=st.sampled_from("ab x1\\`*_{}[]()#+-.!|<>~é"), max_size=60)


@settings(max_examples=400, deadline=None)
@given(_TYPED.filter(lambda t: t.strip() == t and t))
def test_escaped_visitor_text_renders_as_the_text_itself(text):
    rendered = _COMMONMARK.render(escape_markdown(text)).strip()
    assert rendered == f"<p>{html.escape(text, quote=False)}</p>"
