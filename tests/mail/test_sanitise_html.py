"""Reply HTML as shown in our pages: formatting and links only, nothing that runs or loads."""

# ruff: noqa: RUF001 - replies are full of en dashes, curly quotes and Cyrillic, on purpose

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest
from mail_samples import fixture

from campaign.mail.inbound import parse_mime
from campaign.mail.sanitise import MAX_HTML_CHARS, TRUNCATED_NOTE, sanitise_html

# A guard against hangs (quadratic parsing), not a speed test: speed is benchmarked.
HANG_GUARD_SECONDS = 20

REL = 'target="_blank" rel="noopener noreferrer nofollow"'
SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
SAFE_ATTRIBUTES = {
    "a": {"href", "title", "target", "rel"},
    "abbr": {"title"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}


class Inspector(HTMLParser):
    """How a browser's tokenizer sees the output: every tag and attribute in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name not in SAFE_ATTRIBUTES.get(tag, set()):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and not value.startswith(("http://", "https://", "mailto:")):
                self.problems.append(f"link to {value}")

    def handle_comment(self, data):
        self.problems.append("comment")

    def handle_decl(self, decl):
        self.problems.append("declaration")


def problems(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


HOSTILE = [
    "<script>alert(1)</script><p>text</p>",
    '<SCRIPT SRC="http://evil.example/x.js"></SCRIPT>',
    '<img src=x onerror="alert(1)">',
    '<p onclick="alert(1)" onmouseover=alert(2)>hover</p>',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    '<a href=" javascript:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<svg onload="alert(1)"><circle r="5"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
    '<style>p { background: url("http://tracker.example/x") }</style><p>styled</p>',
    '<p style="width: expression(alert(1))">old IE</p>',
    '<div style="background-image:url(http://tracker.example/bg.png)">bg</div>',
    '<meta http-equiv="refresh" content="0; url=http://evil.example/">',
    '<base href="http://evil.example/"><a href="/relative">rel</a>',
    '<link rel="stylesheet" href="http://evil.example/x.css">',
    '<img src="http://tracker.example/pixel.gif" width="1" height="1" border="0">',
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    '<img src="cid:image001.png@01D44A1B">',
    '<iframe src="http://evil.example/"></iframe>',
    '<object data="http://evil.example/x.swf"></object><embed src="x.swf">',
    '<form action="http://evil.example/"><input name="password"><button>Send</button></form>',
    '<table background="http://tracker.example/t.gif"><tr><td>cell</td></tr></table>',
    '<video poster="http://tracker.example/p.png"><source src="x.mp4"></video>',
    '<picture><source srcset="http://tracker.example/a.png"><img src="b.png"></picture>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<!--<script>alert(1)</script>-->after comment",
    '<img src="x" alt="<script>alert(1)</script>">',
    '<a href="https://ok.example/" title="&quot; onmouseover=&quot;alert(1)">ok</a>',
    "<p>unclosed <b>bold <i>italic",
    "<textarea><script>alert(1)</script></textarea>",
    "<noscript><img src=x onerror=alert(1)></noscript>",
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    "<plaintext><script>alert(1)</script>",
    '<image src="http://tracker.example/p.gif">',
]


@pytest.mark.parametrize("html", HOSTILE)
def test_nothing_that_runs_loads_or_restyles_survives(html):
    cleaned = sanitise_html(html)

    assert problems(cleaned) == [], cleaned
    assert sanitise_html(cleaned) == cleaned  # what comes out is already clean


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Dear <b>requester</b>,</p>", "<p>Dear <b>requester</b>,</p>"),
        (
            '<a href="https://ico.org.uk/make-a-complaint/">complain</a>',
            f'<a href="https://ico.org.uk/make-a-complaint/" {REL}>complain</a>',
        ),
        (
            '<a href="mailto:foi@council.gov.uk">email us</a>',
            f'<a href="mailto:foi@council.gov.uk" {REL}>email us</a>',
        ),
        ('<a href="/relative/link">relative</a>', f"<a {REL}>relative</a>"),
        ('<img src="http://t.example/p.gif" alt="Council logo">', "[Council logo]"),
        ('<img src="http://t.example/p.gif" width="1" height="1">', ""),
        ("<img alt='a &amp; b > c'>", "[a &amp; b &gt; c]"),
        ("<p>unclosed <b>bold", "<p>unclosed <b>bold</b></p>"),
        ("<ul><li>one<li>two</ul>", "<ul><li>one</li><li>two</li></ul>"),
        (
            '<table border="1"><tr><th colspan="2">Year</th><td rowspan=2 class="x">1</table>',
            "<table><tbody><tr>"
            '<th colspan="2">Year</th><td rowspan="2">1</td>'
            "</tr></tbody></table>",
        ),
        (
            "<blockquote>quoted</blockquote><pre>a  b</pre><hr>",
            "<blockquote>quoted</blockquote><pre>a  b</pre><hr>",
        ),
        (
            "<h2>Answer</h2><ol start='3'><li>x</li></ol>",
            '<h2>Answer</h2><ol start="3"><li>x</li></ol>',
        ),
        ("a < b and c > d & e", "a &lt; b and c &gt; d &amp; e"),
        ("<font face='Arial' color=red>plain</font>", "plain"),
        ("<o:p></o:p>Outlook<o:p>&nbsp;</o:p>", "Outlook&nbsp;"),
        ("<html><head><title>Reply</title></head><body><p>Hi</p></body></html>", "<p>Hi</p>"),
        ("", ""),
    ],
)
def test_formatting_tables_lists_and_links_are_kept(html, expected):
    assert sanitise_html(html) == expected


def test_a_real_reply_keeps_its_words_and_loses_its_script_and_pixel():
    email = parse_mime(fixture("html-only.eml"))

    cleaned = sanitise_html(email.html)

    assert "We do not hold this information – see section 21." in cleaned
    assert "alert" not in cleaned and "tracker" not in cleaned and "color" not in cleaned


def test_a_cid_image_in_an_outlook_reply_becomes_its_alt_text():
    cleaned = sanitise_html(parse_mime(fixture("outlook-related.eml")).html)

    assert "[Council logo]" in cleaned and "cid:" not in cleaned


def test_nul_characters_are_removed():
    assert sanitise_html("<p>a\x00b</p>") == "<p>ab</p>"


def test_huge_html_is_cut_with_a_note():
    html = "<p>" + "word " * (MAX_HTML_CHARS // 5) + "</p><p>the end</p>"

    cleaned = sanitise_html(html)

    assert cleaned.endswith(TRUNCATED_NOTE) and "the end" not in cleaned


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 100_000 + "deep",
        "<blockquote>" * 50_000 + "deep",
        ("<b><div>" * 50 + "</b>" * 50) * 500,  # misnested formatting: the adoption agency
        "".join(f"<b id={n}>" for n in range(30_000)) + "<p>x" * 30_000,
        "<table><tr><td><div>" * 25_000,
        "<a " * 200_000,
        '<a title="' * 200_000,
        "<!--" * 200_000,
        "</div>" * 200_000,
        "<ul>" + "<li><ul>" * 50_000,
    ],
    ids=[
        "divs",
        "quotes",
        "adoption",
        "formatting",
        "tables",
        "lt",
        "quote",
        "comment",
        "end",
        "lists",
    ],
)
def test_pathological_nesting_is_cleaned_in_bounded_time(html):
    started = time.perf_counter()

    cleaned = sanitise_html(html)

    assert time.perf_counter() - started < HANG_GUARD_SECONDS
    assert problems(cleaned) == []
