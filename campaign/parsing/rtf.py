"""Plain text of an RTF letter: visible text only, no font tables, pictures or field codes."""

from __future__ import annotations

import re

# Destinations whose content is never shown on the page.
_HIDDEN = {
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "header",
    "footer",
    "xmlnstbl",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "generator",
    "fldinst",
    "bkmkstart",
    "bkmkend",
    "revtbl",
    "filetbl",
    "pgdsctbl",
}
_TOKEN = re.compile(
    r"\\([a-z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-f]{2})|\\([^a-z])|([{}])|[\r\n]+|([^\\{}\r\n]+)",
    re.IGNORECASE,
)
_BREAKS = {"par": "\n", "line": "\n", "sect": "\n\n", "page": "\n\n", "tab": "\t", "cell": "\t"}
_SYMBOLS = {
    "emdash": "-",
    "endash": "-",
    "bullet": "-",
    "lquote": "'",
    "rquote": "'",
    "ldblquote": '"',
    "rdblquote": '"',
}


def rtf_to_text(rtf: str) -> str:
    """The visible text of an RTF document."""
    stack: list[tuple[bool, int]] = []
    hidden, skip_chars, unicode_skip = False, 0, 1
    out: list[str] = []
    for match in _TOKEN.finditer(rtf):
        word, argument, hex_code, symbol, brace, text = match.groups()
        if brace == "{":
            stack.append((hidden, unicode_skip))
        elif brace == "}":
            hidden, unicode_skip = stack.pop() if stack else (False, 1)
        elif symbol is not None:
            if symbol == "*":
                hidden = True
            elif symbol in "\\{}" and not hidden:
                out.append(symbol)
            elif symbol == "~" and not hidden:
                out.append(" ")
        elif word is not None:
            word = word.lower()
            if word in _HIDDEN:
                hidden = True
            elif word == "uc" and argument:
                unicode_skip = int(argument)
            elif word == "u" and argument and not hidden:
                code = int(argument)
                out.append(chr(code + 65536 if code < 0 else code))
                skip_chars = unicode_skip
            elif word == "row" and not hidden:
                out.append("\n")
            elif not hidden:
                out.append(_BREAKS.get(word, _SYMBOLS.get(word, "")))
        elif hex_code is not None:
            if skip_chars:
                skip_chars -= 1
            elif not hidden:
                out.append(bytes([int(hex_code, 16)]).decode("cp1252", "replace"))
        elif text is not None and not hidden:
            if skip_chars:
                dropped = min(skip_chars, len(text))
                text, skip_chars = text[dropped:], skip_chars - dropped
            out.append(text)
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()
