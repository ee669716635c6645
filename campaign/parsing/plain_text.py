"""Reply text made comparable: one spelling of quotes, dashes and spaces, and sentences to test.

Authorities' letters arrive from Word, PDF and mail clients, each with its own curly quotes,
non-breaking spaces, invisible direction marks and hard line wraps. Every rule in this package
reads text that went through `normalise`, so a pattern written once matches all of them.
"""

from __future__ import annotations

import functools
import re
from typing import Any

_REPLACEMENTS = {
    "\u00a0": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\u200e": "",
    "\u200f": "",
    "\u202a": "",
    "\u202b": "",
    "\u202c": "",
    "\u2060": "",
    "\ufeff": "",
    "\u00ad": "",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00b7": "-",
    "\u2022": "-",
    "\u25cf": "-",
    "\u25aa": "-",
    "\uf0b7": "-",
    "\u2026": "...",
    "\r": "\n",
}
# Any character `_REPLACEMENTS` changes: most texts have few of them, or (ASCII) only "\r".
_SPECIAL = re.compile("[" + "".join(_REPLACEMENTS) + "]")

# Runs of two or more spaces and tabs (a set first, so the engine skips to a space or tab).
_SPACE_RUN = re.compile(r"[ \t][ \t]+")

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_EMAIL = re.compile(
    r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+|\[(?:FOI\s*#\s*\d+\s+)?email(?:\s+address)?\]",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z])")
_LINE_END_PUNCT = re.compile(r"[.!?:;]['\")\]]*$")
_LIST_START = re.compile(r"^(?:[-*>]|\(?\d{1,2}[.)]|\(?[a-z][.)]|[QA]\d+\b|Q\s?\d+|Question\b)")


def normalise(text: str) -> str:
    """One spelling of punctuation and spaces; line structure kept."""
    found = _NORMALISED.get(text)
    if found is None:
        if len(_NORMALISED) >= _MAX_NORMALISED:
            _NORMALISED.clear()
        found = _normalised(text)
        _NORMALISED[text] = found
        # Normalising a normalised text changes nothing, and rules often normalise again what
        # another rule made from a normalised text (the letter without the request's questions).
        _NORMALISED[found] = found
    return found


# Several rules normalise the same reply and its parts: each is done once.
_NORMALISED: dict[str, str] = {}
_MAX_NORMALISED = 512
# Spaces that would be stripped from the end of a line.
_TRAILING = (" \n", "\t\n", "\f\n", "\v\n")


def _normalised(text: str) -> str:
    """`normalise` done: each step only where the text has what it changes."""
    text = _respelled(text.replace("\r\n", "\n"))
    if any(end in text for end in _TRAILING) or text.endswith((" ", "\t", "\f", "\v")):
        # Line by line: a regex for trailing spaces rescans long runs of spaces from every start.
        text = "\n".join([line.rstrip(" \t\f\v") for line in text.split("\n")])
    if "\t" in text or "   " in text:
        # Without them every run is at most two spaces, which would be replaced by themselves.
        text = _SPACE_RUN.sub("  ", text)
    return text


def _respelled(text: str) -> str:
    """The text with each character of `_REPLACEMENTS` replaced.

    str.translate looks every character of a non-ASCII text up in the table, which costs more
    than the rest of `normalise` together; replacing only the characters present is exact, as
    no replacement holds a character that is replaced in turn.
    """
    if text.isascii():
        return text.replace("\r", "\n")
    for char in set(_SPECIAL.findall(text)):
        text = text.replace(char, _REPLACEMENTS[char])
    return text


def without_links(text: str) -> str:
    """Text with web and email addresses blanked, so numbers inside them are never read as facts."""
    return _without_links(text)


@functools.lru_cache(maxsize=64)
def _without_links(text: str) -> str:
    # Every web address has "http" or "www", every email address "@" and every placeholder "[";
    # texts without them are left as they are without scanning. No other letters match these
    # case-insensitively, so lower() may be used on any text.
    lower = text.lower()
    urls = "http" in lower or "www" in lower
    if "[" in text and "email" in caseless(text):
        # An "[email address]" placeholder may run over a line break: the whole text is read.
        if urls:
            text = _URL.sub(" ", text)
        return _EMAIL.sub(" ", text)
    emails = "@" in text
    if not (urls or emails):
        return text
    # Otherwise no address runs over a line break: only the lines that have one are read.
    lines = text.split("\n")
    lower_lines = lower.split("\n")  # in step: lower-casing never adds or removes a line break
    for index, line in enumerate(lines):
        if urls and ("http" in lower_lines[index] or "www" in lower_lines[index]):
            line = _URL.sub(" ", line)
        if emails and "@" in line:
            line = _EMAIL.sub(" ", line)
        lines[index] = line
    return "\n".join(lines)


def paragraphs(text: str) -> list[str]:
    """Paragraphs with hard line wraps undone and runs of spaces collapsed.

    A line break counts as a wrap when the next line carries on a sentence: it starts in lower
    case, or the line before is long and has no closing punctuation. Short lines (headings,
    address blocks, "Our ref: 123") and list items stay on their own.
    """
    return list(_paragraphs(text))


@functools.lru_cache(maxsize=64)
def _paragraphs(text: str) -> tuple[str, ...]:
    result: list[str] = []
    for block in re.split(r"\n\s*\n", normalise(text)):
        parts: list[str] = []
        for raw_line in block.split("\n"):
            line = " ".join(raw_line.split())
            if not line:
                continue
            if parts and not _is_wrap(parts[-1], line):
                result.append(" ".join(parts))
                parts = []
            parts.append(line)
        if parts:
            result.append(" ".join(parts))
    return tuple(result)


def _is_wrap(previous_line: str, line: str) -> bool:
    if _LIST_START.match(line):
        return False
    if line[0].islower():
        return True
    return len(previous_line) >= 50 and not _LINE_END_PUNCT.search(previous_line[-4:])


def sentences(text: str) -> list[str]:
    """Sentences of the text, in order; each is one line of collapsed whitespace."""
    return list(_sentences(text))


@functools.lru_cache(maxsize=16)
def _sentences(text: str) -> tuple[str, ...]:
    """Several rules read the same reply sentence by sentence: split it once."""
    found: list[str] = []
    for paragraph in paragraphs(text):
        if "." in paragraph or "!" in paragraph or "?" in paragraph:
            found.extend(part.strip() for part in _SENTENCE_END.split(paragraph) if part.strip())
        elif paragraph.strip():
            found.append(paragraph.strip())  # no sentence ends inside: a heading, a table row
    return tuple(found)


def flat(text: str) -> str:
    """The whole text on one line: for patterns that may span a wrap."""
    return " ".join(normalise(text).split())


def folded(text: str) -> str:
    """The text in a form for word checks with `may_match`: lower case when it is all ASCII.

    Case-insensitive patterns also pair some non-ASCII letters with ASCII ones (the long s with
    "s"); `caseless` turns those into the ASCII letters, so a sentence with a curly quote or a
    bullet (most sentences of a PDF) is still checked for its words rather than searched blind.
    """
    return text.lower() if text.isascii() else caseless(text)


class Words(frozenset[str]):
    """Lower-case words (or their first letters, "withh") a rule looks for in a folded text.

    Every set made is added to the vocabulary `words_in` reads a sentence for, so a rule's check
    is a set operation on words found once per sentence rather than a search per word and rule.
    Make them once, at module level.
    """

    def __new__(cls, *words: str) -> Words:
        made = super().__new__(cls, words)
        _learn(made)
        return made


def may_match(folded_text: str | None, words: Words | tuple[str, ...]) -> bool:
    """False only when a text has none of the words every match of a pattern contains.

    `folded_text` comes from `folded` or `caseless`; None (not checked) may always match. The
    words are lower case, one word each, taken from the pattern's alternatives.
    """
    if folded_text is None:
        return True
    if type(words) is Words and len(folded_text) <= _SHORT_TEXT:
        return not words_in(folded_text).isdisjoint(words)
    # A plain loop rather than any(): a long text is searched for the few words a rule needs.
    for word in words:  # noqa: SIM110
        if word in folded_text:
            return True
    return False


# Sentences are read for their words once; a long text (a whole letter) is searched instead for
# the few words a rule needs, as reading all its words would cost more. Phrases with the words
# they start with are tried in a long text only where those are (`match_at_places`).
_SHORT_TEXT = 2000
# Words are looked for within runs of letters and digits: a word made of them alone occurs in a
# text only inside one such run. Words with other characters ("re-use") are looked for with `in`.
_RUN = re.compile(r"[a-z0-9]+")
_WORD_END = ""  # the key under which a trie node holds the word that ends there
_TRIE: dict[str, Any] = {}
_LONGEST = [0]  # the length of the longest word in the trie
_SPANNING: set[str] = set()
# Past these sizes the remembered runs and texts start afresh.
_MAX_RUNS = 65_536
_MAX_TEXTS = 8192


class _WordsInRun(dict[str, frozenset[str]]):
    """The known words each run of letters and digits holds, worked out on first sight."""

    def __missing__(self, run: str) -> frozenset[str]:
        if len(self) >= _MAX_RUNS:
            self.clear()
        found = []
        for start in range(len(run)):
            node = _TRIE
            for char in run[start : start + _LONGEST[0]]:  # no word is longer: a long run is linear
                node = node.get(char)
                if node is None:
                    break
                if _WORD_END in node:
                    found.append(node[_WORD_END])
        self[run] = words = frozenset(found)
        return words


_IN_RUN = _WordsInRun()
_IN_TEXT: dict[str, frozenset[str]] = {}


def _learn(words: frozenset[str]) -> None:
    """Add words to the vocabulary; what was read with the old one is forgotten."""
    for word in words:
        if not _RUN.fullmatch(word):
            _SPANNING.add(word)
            continue
        node = _TRIE
        for char in word:
            node = node.setdefault(char, {})
        node[_WORD_END] = word
        _LONGEST[0] = max(_LONGEST[0], len(word))
    _IN_RUN.clear()
    _IN_TEXT.clear()


def words_in(folded_text: str) -> frozenset[str]:
    """Every word of every `Words` made that occurs in a folded text (as `word in text` does)."""
    found = _IN_TEXT.get(folded_text)
    if found is None:
        if len(_IN_TEXT) >= _MAX_TEXTS:
            _IN_TEXT.clear()
        runs = set(_RUN.findall(folded_text))
        found = frozenset().union(*map(_IN_RUN.__getitem__, runs))
        if _SPANNING:
            found |= {word for word in _SPANNING if word in folded_text}
        _IN_TEXT[folded_text] = found
    return found


def caseless(text: str) -> str:
    """Any text in a form where every case-insensitive match of a word is found with `in`.

    casefold() handles the long s and the Kelvin sign; the Turkish dotless i and dotted capital I
    (which patterns also match to "i") are made a plain "i".
    """
    return text.casefold().replace("\u0131", "i").replace("\u0307", "")


# For each alternative of a pattern: groups of words (lower case), one word of each group in
# every match of that alternative.
WordGroups = tuple[tuple[str, ...], ...]
# Texts share few sets of words present; past this many the remembered choices start afresh.
_MAX_CHOICES = 4096


class Alternatives:
    """A pattern's alternatives compiled one by one, each tried only on texts with its words.

    One alternation of many phrases is tried at every character of a text; each phrase alone,
    run only where its words occur, costs a fraction of that. Which alternatives a text's words
    allow is worked out once for each set of words present, not group by group for every
    sentence: each word is looked for once, and sentences share few such sets.
    """

    def __init__(
        self,
        patterns: list[str],
        needs: list[WordGroups],
        flags: int = re.IGNORECASE,
        starts: list[tuple[str, ...]] | None = None,
    ) -> None:
        """`needs` holds the word groups of each pattern, the two lists in step.

        `starts`, if given, holds for each pattern the words (lower case) every match of it
        starts with: a long text is then tried only where they are (see `match_at_places`).
        """
        self._all = tuple(re.compile(pattern, flags) for pattern in patterns)
        self._words = Words(*{word for groups in needs for group in groups for word in group})
        # Each group is one bit; a word sets the bits of the groups it is in, and an alternative
        # is allowed when the words present set every bit of its groups.
        self._group_bits = dict.fromkeys(self._words, 0)
        self._parts: list[tuple[re.Pattern[str], int]] = []
        bit = 1
        for part, groups in zip(self._all, needs, strict=True):
            need = 0
            for group in groups:
                for word in group:
                    self._group_bits[word] |= bit
                need |= bit
                bit <<= 1
            self._parts.append((part, need))
        self._choices: dict[frozenset[str], tuple[re.Pattern[str], ...]] = {}
        self._starts = dict(zip(self._all, starts, strict=True)) if starts is not None else None

    def search(self, text: str, lower: str | None, words: frozenset[str] | None = None) -> bool:
        """Whether any alternative matches the text (`lower` from `folded`/`caseless`).

        With `lower` None (words not checked) every alternative is tried. `words` are
        `words_in(lower)` for a sentence, which every rule reads.
        """
        parts = self._all if lower is None else self._allowed(lower, words)
        if self._starts is not None and len(text) > _SHORT_TEXT and parts:
            aligned = letter_folded(text)
            if aligned is not None:
                starts = self._starts
                return any(match_at_places(part, starts[part], text, aligned) for part in parts)
        # A plain loop rather than any(): this runs for every sentence and rule.
        for part in parts:  # noqa: SIM110
            if part.search(text):
                return True
        return False

    def _allowed(self, lower: str, words: frozenset[str] | None) -> tuple[re.Pattern[str], ...]:
        """The alternatives that have a word of each of their groups in the text, in order."""
        if words is not None:
            present = words & self._words
        else:
            # A text that is not a sentence (a letter's head, an answer block) is read by no
            # other rule: it is searched for these words alone.
            present = frozenset([word for word in self._words if word in lower])
        allowed = self._choices.get(present)
        if allowed is None:
            if len(self._choices) >= _MAX_CHOICES:
                self._choices.clear()
            found = 0
            for word in present:
                found |= self._group_bits[word]
            allowed = tuple(part for part, need in self._parts if need & found == need)
            self._choices[present] = allowed
        return allowed


def letter_folded(text: str) -> str | None:
    """The text in lower case letter for letter, so a word found in it is at the same place.

    Case-insensitive patterns also match the dotless i to "i" and the long s to "s", so those
    are made ASCII too. None when lower-casing changes the length (a dotted capital I): the
    text is then to be scanned whole.
    """
    lower = text.lower()
    if len(lower) != len(text):
        return None
    if not lower.isascii():
        lower = lower.replace("\u0131", "i").replace("\u017f", "s")
    return lower


def places(lower: str, words: tuple[str, ...]) -> list[int]:
    """Every place (in order) where one of the words starts in the text."""
    found = set()
    for word in words:
        place = lower.find(word)
        while place >= 0:
            found.add(place)
            place = lower.find(word, place + 1)
    return sorted(found)


def match_at_places(
    pattern: re.Pattern[str], starts: tuple[str, ...], text: str, lower: str
) -> bool:
    """Whether `pattern.search(text)` finds a match, trying the pattern only where one may start.

    Every match of the pattern starts with one of `starts` (in any case), so it is enough to
    try it at each place `lower` (from `letter_folded`) has one of them: a long text is not
    tried at each of its characters. (A match anywhere will do, so the places are not sorted.)
    """
    for word in starts:
        place = lower.find(word)
        while place >= 0:
            if pattern.match(text, place):
                return True
            place = lower.find(word, place + 1)
    return False
