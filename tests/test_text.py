"""Organiser-written Markdown: formatting survives, nothing that runs in a browser does."""

import pytest
from lxml import html

from events.text import render_markdown


def parsed(markdown):
    return html.fragment_fromstring(render_markdown(markdown), create_parent="div")


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        '<iframe src="https://evil.example"></iframe>',
        '<img src=x onerror="alert(1)">',
        '<a href="#" onclick="alert(1)">click</a>',
        '<p onmouseover="alert(1)">hover</p>',
        '<svg onload="alert(1)"><circle/></svg>',
        '<object data="evil.swf"></object><embed src="evil.swf">',
        '<style>body{display:none}</style><p style="position:fixed">x</p>',
        '<form action="https://evil.example"><input name="q"></form>',
    ],
)
def test_no_script_handler_iframe_or_style_survives(hostile):
    tree = parsed(f"Before\n\n{hostile}\n\nAfter")

    assert (
        tree.xpath("//script | //iframe | //img | //svg | //object | //embed | //style | //form | //input")
        == []
    )
    assert [a for el in tree.iter() for a in el.attrib if a.startswith("on") or a == "style"] == []
    assert "Before" in tree.text_content() and "After" in tree.text_content()


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="&#106;avascript:alert(1)">click</a>',
    ],
)
def test_only_web_and_mail_links_survive(link):
    tree = parsed(link)

    assert [a.get("href") for a in tree.xpath("//a[@href]")] == []
    assert "click" in tree.text_content()


def test_formatting_lists_and_web_links_survive():
    tree = parsed("**Bold** and *em*.\n\n- one\n- two\n\n1. first\n\n[Cilium](https://cilium.io)")

    assert tree.xpath("//strong/text()") == ["Bold"]
    assert tree.xpath("//ul/li/text()") == ["one", "two"]
    assert tree.xpath("//ol/li/text()") == ["first"]
    link = tree.xpath("//a")[0]
    assert (link.get("href"), link.get("rel")) == ("https://cilium.io", "noopener noreferrer nofollow")


def test_a_summary_is_plain_text_cut_at_a_word_count():
    from events.text import summary_of

    html = render_markdown("**Fast** paths &amp; <b>bold</b> claims.\n\n- one\n- two")

    assert summary_of(html, words=4) == "Fast paths & bold…"
