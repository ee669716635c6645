"""Inbound HTML made safe to show inside our own pages.

A reply's HTML body is kept exactly as sent; this is what it becomes on screen. The output may
be rendered with `|safe`: only text formatting, lists, tables, headings, quotes and links
survive, with no scripts, styles, frames, forms, event handlers or `style` attributes. Links
keep only http, https and mailto targets, open in a new tab, and carry
rel="noopener noreferrer nofollow".

No image is ever loaded: remote images are how senders learn that and when a message was read
(tracking pixels), and `cid:` images point at attachments that are listed with the message
anyway. Each <img> becomes its alt text in brackets, or nothing.

Cleaning is done twice, for time as much as for safety. The HTML5 parser inside nh3 takes time
that grows faster than the input when tags are misnested (200 KB of "<b><div>…</b>" takes
seconds, 2 MB takes hours) or nested very deep. So a linear first pass here reads the tags
itself and writes the document out again, well nested and at most MAX_NESTING deep, with only
allowed tags and attributes and all text escaped; nh3 (ammonia) then cleans that, as the
security boundary, in linear time. Input past MAX_HTML_CHARS is cut, with a note saying so.
"""

from __future__ import annotations

import html
import re

import nh3

MAX_HTML_CHARS = 2_000_000
MAX_NESTING = 100
TRUNCATED_NOTE = "<p>[The rest of this message is too long to show here.]</p>"

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
# Removed with everything inside them: code, styling, and fallbacks for things we never show.
_REMOVED_WITH_CONTENT = {
    "script", "style", "title", "template", "noscript", "iframe", "object", "svg", "math",
    "textarea", "select",
}  # fmt: skip
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    clean_content_tags=_REMOVED_WITH_CONTENT,
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    link_rel="noopener noreferrer nofollow",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    strip_comments=True,
)


def sanitise_html(html_text: str) -> str:
    """HTML fit to put in our pages with |safe: formatting and links only, no images."""
    if not html_text:
        return ""
    text = html_text.replace("\x00", "")
    truncated = len(text) > MAX_HTML_CHARS
    if truncated:
        text = text[:MAX_HTML_CHARS]
    cleaned = _CLEANER.clean(_Rewriter(text).rewrite())
    return cleaned + TRUNCATED_NOTE if truncated else cleaned


# --- the linear first pass ----------------------------------------------------------------------

# A tag's attributes: possessive, quote-aware, stopping at the next "<", so matching is linear
# (no backtracking, no scan past a "<", quoted values bounded).
_ATTRIBUTE_TEXT = r"""(?:[^<>"']++|"[^"]{0,4096}"|'[^']{0,4096}')*+"""
# Every "<" in the text starts one of these; which group matched says what it is.
_MARKUP = re.compile(
    r"(<!--)"  # 1: comment
    r"|(<[!?]|</(?![a-zA-Z]))"  # 2: doctype, processing instruction, bogus comment
    r"|</([a-zA-Z][a-zA-Z0-9:-]{0,63})" + _ATTRIBUTE_TEXT + r">"  # 3: end tag
    r"|<([a-zA-Z][a-zA-Z0-9:-]{0,63})(" + _ATTRIBUTE_TEXT + r")>"  # 4, 5: start tag
    r"|<"  # a "<" that starts no tag: text
)
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+)))?""")
# Content the HTML tokenizer reads as raw text up to the matching end tag.
_RAW_TEXT = {
    "script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript",
}  # fmt: skip
# Elements dropped with everything inside, counting nested elements of the same name.
_NESTED_REMOVED = {"svg", "math", "template", "object", "select"}
_VOID = {"br", "col", "hr"}  # the void elements we keep
_IMAGES = {"img", "image"}
# Block starts that close an open paragraph, as in the HTML parser.
_CLOSES_P = {
    "blockquote", "div", "dl", "ol", "p", "pre", "table", "ul", "hr", "li", "dd", "dt",
    "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SCOPE = {"table", "td", "th", "caption"}
# Opening one of these closes an open one of its group, searching down to a boundary.
_SIBLINGS = {
    "li": ({"li"}, {"ul", "ol"}),
    "dt": ({"dt", "dd"}, {"dl"}),
    "dd": ({"dt", "dd"}, {"dl"}),
    "tr": ({"tr"}, {"table", "tbody", "thead", "tfoot"}),
    "td": ({"td", "th"}, {"tr", "table"}),
    "th": ({"td", "th"}, {"tr", "table"}),
    "tbody": ({"tbody", "thead", "tfoot"}, {"table"}),
    "thead": ({"tbody", "thead", "tfoot"}, {"table"}),
    "tfoot": ({"tbody", "thead", "tfoot"}, {"table"}),
    "a": ({"a"}, set()),
}
_SIBLINGS = {
    name: (group, boundary | (_SCOPE - group)) for name, (group, boundary) in _SIBLINGS.items()
}
_P_GROUP = ({"p"}, _SCOPE)
# How far down the open elements a search looks; keeps every step bounded.
_SEARCH = 64


class _Rewriter:
    """Reads tags with its own simple tokenizer and writes well-nested, allow-listed HTML."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.stack: list[str] = []
        self.open_counts: dict[str, int] = dict.fromkeys(_TAGS, 0)

    def rewrite(self) -> str:
        text = self.text
        out = self.out
        search = _MARKUP.search
        position = 0
        while True:
            match = search(text, position)
            if match is None:
                out.append(text[position:])
                break
            out.append(text[position : match.start()])
            position = match.end()
            end_name = match.group(3)
            if end_name is not None:
                self.close(end_name.lower())
                continue
            start_name = match.group(4)
            if start_name is not None:
                position = self.start(start_name.lower(), match.group(5), position)
                continue
            if match.group(1) is not None:
                end = text.find("-->", position)
                position = len(text) if end < 0 else end + 3
            elif match.group(2) is not None:
                end = text.find(">", position)
                position = len(text) if end < 0 else end + 1
            else:
                out.append("&lt;")
        for name in reversed(self.stack):
            out.append(f"</{name}>")
        return "".join(out)

    def start(self, name: str, attributes: str, position: int) -> int:
        """Handle a start tag; returns where reading continues."""
        if name in _TAGS:
            self.open(name, attributes)
        elif name in _IMAGES:
            self.out.append(_alt_text(attributes))
        elif name in _RAW_TEXT:
            return self.skip_raw_text(name, position)
        elif name in _NESTED_REMOVED and not attributes.rstrip().endswith("/"):
            return self.skip_nested(name, position)
        elif name == "plaintext":
            self.out.append(html.escape(self.text[position:], quote=False))
            return len(self.text)
        return position

    def skip_raw_text(self, name: str, position: int) -> int:
        pattern = re.compile(r"</" + re.escape(name) + r"(?=[\s/>])", re.IGNORECASE)
        found = pattern.search(self.text, position)
        if found is None:
            return len(self.text)
        end = self.text.find(">", found.end())
        return len(self.text) if end < 0 else end + 1

    def skip_nested(self, name: str, position: int) -> int:
        depth = 1
        pattern = re.compile(r"<(/?)" + re.escape(name) + r"(?=[\s/>])", re.IGNORECASE)
        for found in pattern.finditer(self.text, position):
            depth += -1 if found.group(1) else 1
            if depth == 0:
                end = self.text.find(">", found.end())
                return len(self.text) if end < 0 else end + 1
        return len(self.text)

    def open(self, name: str, attributes: str) -> None:
        if name in _CLOSES_P and self.open_counts["p"]:
            self.close_within(*_P_GROUP)
        if name in _HEADINGS and self.stack and self.stack[-1] in _HEADINGS:
            self.close_at(len(self.stack) - 1)
        siblings = _SIBLINGS.get(name)
        if siblings is not None:
            self.close_within(*siblings)
        kept = _kept_attributes(name, attributes) if name in _ATTRIBUTES else ""
        if name in _VOID:
            self.out.append(f"<{name}{kept}>")
        elif len(self.stack) < MAX_NESTING:  # deeper: the tag goes, its text stays
            self.out.append(f"<{name}{kept}>")
            self.stack.append(name)
            self.open_counts[name] += 1

    def close(self, name: str) -> None:
        if not self.open_counts.get(name):
            return  # not open: a stray end tag, dropped
        if self.stack[-1] == name:
            self.close_at(len(self.stack) - 1)
        else:
            self.close_within({name}, set())

    def close_within(self, names: set[str], stop_at: set[str]) -> None:
        """Close the nearest open element named in `names`, and all opened after it."""
        counts = self.open_counts
        if not any(counts[name] for name in names):
            return
        stack = self.stack
        for index in range(len(stack) - 1, max(len(stack) - 1 - _SEARCH, -1), -1):
            if stack[index] in names:
                self.close_at(index)
                return
            if stack[index] in stop_at:
                return

    def close_at(self, index: int) -> None:
        for name in reversed(self.stack[index:]):
            self.out.append(f"</{name}>")
            self.open_counts[name] -= 1
        del self.stack[index:]


def _kept_attributes(tag: str, text: str) -> str:
    allowed = _ATTRIBUTES.get(tag)
    if not allowed or not text.strip():
        return ""
    kept: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        name = match.group(1).lower()
        if name in allowed and name not in kept:
            value = next((group for group in match.groups()[1:] if group is not None), "")
            kept[name] = html.escape(html.unescape(value), quote=True)
    return "".join(f' {name}="{value}"' for name, value in kept.items())


_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


def _alt_text(attributes: str) -> str:
    """An image as its alt text in brackets, or nothing."""
    alt = _ALT.search(attributes)
    if not alt:
        return ""
    value = next(group for group in alt.groups() if group is not None)
    words = " ".join(html.unescape(value).split())[:200]
    return f"[{html.escape(words, quote=False)}]" if words else ""
