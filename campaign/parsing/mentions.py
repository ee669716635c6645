"""Systems, products and vendors a reply names: a maintained gazetteer plus product-name patterns.

The gazetteer (campaign/data/mentions_gazetteer.csv) lists canonical names with their spellings.
All spellings are compiled into one regular expression shaped like a trie, so a page is scanned
once however long the list grows. Everyday words that are also product names ("Mosaic",
"Athena", "Checkpoint") count only when capitalised and confirmed by a cue word nearby or by
standing in a list of named systems. Names the gazetteer does not know are caught by a few
precise patterns ("the Foo system", "supplied by Foo", "contract with Foo"), each starting from
its trigger word, and marked `source="pattern"`.

One finding per canonical name, at its first mention. A vendor whose name opens a product name
also found in the reply ("Capita" beside "Capita One", "IBM" beside "IBM iBase") is left out:
the product already names it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from campaign.parsing.findings import MentionFinding, SourcePage
from campaign.parsing.plain_text import normalise

GAZETTEER_PATH = Path(__file__).resolve().parent.parent / "data" / "mentions_gazetteer.csv"
CATEGORIES = ("system", "vendor", "ignore")
# How far either side of a guarded word its cue may be.
CONTEXT_CHARS = 150
MAX_SENTENCE_CHARS = 300

_COLUMNS = ["name", "category", "aliases", "guarded", "cues", "domains", "notes"]
_SEPARATOR = "\x00"  # a run of spaces or hyphens inside an alias, as a trie step
_APOSTROPHE = "\x01"
_SPACE_OR_HYPHEN = "[\\s\\-\u2010-\u2015]+"
_KEY_SEPARATORS = re.compile(_SPACE_OR_HYPHEN)
_ALIAS_SHAPE = re.compile(r"^[A-Za-z0-9](?:.*[A-Za-z0-9])?$")


@dataclass(frozen=True)
class GazetteerEntry:
    """One row of the gazetteer: a canonical name and the spellings that mean it."""

    name: str
    category: str  # "system" | "vendor" | "ignore"
    aliases: tuple[str, ...] = ()
    guarded: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    notes: str = ""

    @property
    def plain_aliases(self) -> tuple[str, ...]:
        """Spellings matched wherever they appear: the name itself unless it is guarded."""
        names = () if self.name in self.guarded else (self.name,)
        return names + self.aliases


def read_gazetteer(path: Path = GAZETTEER_PATH) -> list[GazetteerEntry]:
    """The gazetteer's rows; lines starting with # are the maintainers' notes."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = csv.DictReader(io.StringIO("\n".join(ln for ln in lines if not ln.startswith("#"))))
    if rows.fieldnames != _COLUMNS:
        raise ValueError(f"{path.name}: columns must be {','.join(_COLUMNS)}")
    return [
        GazetteerEntry(
            name=row["name"].strip(),
            category=row["category"].strip(),
            aliases=_split(row["aliases"]),
            guarded=_split(row["guarded"]),
            cues=_split(row["cues"]),
            domains=tuple(domain.lower() for domain in _split(row["domains"])),
            notes=(row["notes"] or "").strip(),
        )
        for row in rows
        if any((value or "").strip() for value in row.values())
    ]


def gazetteer_problems(entries: Sequence[GazetteerEntry]) -> list[str]:
    """What is wrong with the gazetteer's rows, one line each; empty when it is sound.

    Canonical names are unique; a plain spelling means one name only (a guarded word may be
    shared, and then cues choose between its names); categories are known; spellings start and
    end with a letter or digit; domains are host names.
    """
    problems: list[str] = []
    names: dict[str, str] = {}
    plain: dict[str, str] = {}
    guarded: dict[str, list[str]] = {}
    for entry in entries:
        if entry.category not in CATEGORIES:
            problems.append(f"{entry.name}: category {entry.category!r} is not one of {CATEGORIES}")
        if (key := alias_key(entry.name)) in names:
            problems.append(f"{entry.name}: canonical name repeats {names[key]}")
        names[key] = entry.name
        for alias in (*entry.plain_aliases, *entry.guarded):
            if not _ALIAS_SHAPE.match(alias):
                problems.append(f"{entry.name}: {alias!r} must start and end with a letter")
        for alias in entry.plain_aliases:
            key = alias_key(alias)
            if plain.get(key, entry.name) != entry.name:
                problems.append(f"{entry.name}: {alias!r} is also listed under {plain[key]}")
            plain[key] = entry.name
        for alias in entry.guarded:
            owners = guarded.setdefault(alias_key(alias), [])
            if entry.name in owners:
                problems.append(f"{entry.name}: guarded {alias!r} listed twice")
            owners.append(entry.name)
        for domain in entry.domains:
            if "/" in domain or "." not in domain or "@" in domain:
                problems.append(f"{entry.name}: domain {domain!r} is not a host name")
    by_name = {entry.name: entry for entry in entries}
    for key, owners in guarded.items():
        if key in plain:
            problems.append(f"{plain[key]}: {key!r} is plain here but guarded under {owners[0]}")
        if len(owners) > 1:
            problems.extend(
                f"{owner}: shares the guarded word {key!r}, so it needs cues"
                for owner in owners
                if not by_name[owner].cues
            )
    return problems


def alias_key(text: str) -> str:
    """A spelling compared without case, apostrophes, or the difference between space and hyphen."""
    text = normalise(text).lower().replace("'", "")
    return _KEY_SEPARATORS.sub(" ", text).strip()


def canonical_name(text: str) -> str | None:
    """The gazetteer's canonical name for a name or any of its plain spellings, if listed."""
    entry = _gazetteer().plain.get(alias_key(text))
    return entry.name if entry is not None and entry.category != "ignore" else None


def find_mentions(pages: Sequence[SourcePage]) -> list[MentionFinding]:
    """Every system, product or vendor named in the pages, once per name, first mention first."""
    gazetteer = _gazetteer()
    public_bodies = _public_body_words(pages)
    found: dict[str, MentionFinding] = {}
    confirmed: set[str] = set()
    for page in pages:
        text = page.text
        addresses = _addresses(text)
        hits = _gazetteer_hits(gazetteer, text, addresses, confirmed)
        taken = bytearray(addresses)  # characters no pattern may claim
        for hit in hits:
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
        hits = _without_possessive_vendors(text, [hit for hit in hits if hit.entry is not None])
        hits += _pattern_hits(text, taken, public_bodies)
        for hit in sorted(hits, key=lambda hit: hit.start):
            name = hit.entry.name if hit.entry else hit.name
            if (key := alias_key(name)) in found:
                continue
            found[key] = MentionFinding(
                name=name,
                category=hit.entry.category if hit.entry else hit.category,
                sentence=_sentence(text, hit.start, hit.end),
                document=page.document,
                page=page.page,
                source="gazetteer" if hit.entry else "pattern",
            )
    return _without_vendors_named_by_products(list(found.values()))


# --- the gazetteer, compiled once -----------------------------------------------------------


@dataclass(frozen=True)
class _Spelling:
    entry: GazetteerEntry
    written: str
    guarded: bool


@dataclass(frozen=True)
class _Gazetteer:
    pattern: re.Pattern[str]  # finds names that start with a capital
    anchored: re.Pattern[str]  # the same names in any case, matched at a given position
    lower_starts: tuple[str, ...]  # first words of spellings that start in lower case
    spellings: dict[str, list[_Spelling]]
    plain: dict[str, GazetteerEntry]
    cues: dict[str, re.Pattern[str]]
    domains: dict[str, GazetteerEntry]


@cache
def _gazetteer() -> _Gazetteer:
    entries = read_gazetteer()
    if problems := gazetteer_problems(entries):
        raise ValueError("mentions gazetteer: " + "; ".join(problems))
    spellings: dict[str, list[_Spelling]] = {}
    plain: dict[str, GazetteerEntry] = {}
    for entry in entries:
        listed = [(alias, False) for alias in entry.plain_aliases]
        listed += [(alias, True) for alias in entry.guarded]
        for alias, guarded in listed:
            key = alias_key(alias)
            spellings.setdefault(key, []).append(_Spelling(entry, alias, guarded))
            if not guarded:
                plain[key] = entry
    names = [spelling.written for group in spellings.values() for spelling in group]
    pattern = re.compile(_any_word(names) + r"\b")
    anchored = re.compile(rf"\b{_trie(names)}\b")
    # Spellings written in lower case ("risk based verification", "iBase") may start a name in
    # lower case; their first words are looked for literally, which keeps the main scan to
    # capitals (several times faster than letting every lower-case word in).
    lower_starts = {re.split(r"[\s\-']", name)[0] for name in names if name[0].islower()}
    cues = {entry.name: _cue_pattern(entry.cues) for entry in entries if entry.cues}
    domains = {domain: entry for entry in entries for domain in entry.domains}
    return _Gazetteer(
        pattern, anchored, tuple(sorted(lower_starts)), spellings, plain, cues, domains
    )


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (cell or "").split(";") if part.strip())


def _units(alias: str) -> list[str]:
    """An alias as trie steps: lower-case characters, separators and optional apostrophes."""
    units: list[str] = []
    for char in normalise(alias).lower():
        if char.isspace() or char == "-":
            if units and units[-1] != _SEPARATOR:
                units.append(_SEPARATOR)
        elif char == "'":
            units.append(_APOSTROPHE)
        else:
            units.append(char)
    return units


def _any_word(words: Iterable[str], *, upper_too: bool = False) -> str:
    """One regular expression for many words or phrases that start with a capital.

    The words are laid out as a trie, so shared prefixes are written once, and a look-ahead on
    the first letter skips most positions before the trie is walked: several times faster than
    a plain alternation. With `upper_too` the words may start in either case.
    """
    words = list(words)
    firsts = {word[0].upper() for word in words}
    if upper_too:
        firsts |= {word[0].lower() for word in words}
    starts = "".join(re.escape(char) for char in sorted(firsts))
    return rf"(?=[{starts}])\b{_trie(words)}"


def _trie(words: Iterable[str]) -> str:
    """The words as one trie-shaped expression, compared without case."""
    trie: dict = {}
    for word in words:
        node = trie
        for unit in _units(word):
            node = node.setdefault(unit, {})
        node[""] = {}
    return f"(?i:{_render(trie)})"


def _render(node: dict) -> str:
    branches = []
    for unit in sorted(unit for unit in node if unit):
        step = {_SEPARATOR: _SPACE_OR_HYPHEN, _APOSTROPHE: "['\u2019]?"}.get(unit)
        branches.append((step or re.escape(unit)) + _render(node[unit]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def _cue_pattern(cues: Iterable[str]) -> re.Pattern[str]:
    parts = []
    for cue in cues:
        body = re.escape(normalise(cue)).replace("'", "['\u2019]?").replace(r"\ ", _SPACE_OR_HYPHEN)
        # Two-letter cues in capitals (IT, GP) are acronyms: "it" must not count.
        parts.append(f"(?-i:{body})" if len(cue) <= 2 and cue.isupper() else body)
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


# --- gazetteer names on a page --------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    entry: GazetteerEntry | None  # None for a pattern's name, and for a span that only blocks
    name: str = ""
    category: str = ""


_SYSTEM_WORDS = re.compile(
    r"\b(?:systems?|software|suppliers?|vendors?|platforms?|databases?|tools?|applications?|"
    r"packages?|products?|solutions?|modules?|licen[cs]es?|contracts?|contractors?|"
    r"consultan(?:ts?|cy)|datasets?|analytics|procured|commissioned)\b",
    re.IGNORECASE,
)
# What may stand before an item at the start of a line: a bullet, "1.", "(a)", "Q3".
_LIST_MARK = re.compile(r"^(?:[-*>\u2022\u00b7\u25cf\u25aa\uf0b7]|\(?\w{1,3}[.)]|[QA]\d+)?$")
_LIST_GAP = re.compile(r"[\s,;/&()\-]*(?:(?:and|or)[\s,;/&()\-]*)?", re.IGNORECASE)


def _gazetteer_hits(
    gazetteer: _Gazetteer, text: str, addresses: bytearray, confirmed: set[str]
) -> list[_Hit]:
    """Gazetteer names on one page; spans that only block patterns come back with no entry."""
    plain: list[_Hit] = []
    guarded: list[tuple[int, int, list[_Spelling]]] = []
    position = 0
    for match in _candidates(gazetteer, text):
        start, end = match.span()
        if start < position:
            continue
        spellings = _fitting(gazetteer, text[start:end])
        while not spellings and (shorter := gazetteer.anchored.match(text, start, end - 1)):
            # The longest spelling does not fit ("Troubled Families programme" against
            # "... Programme"): try the shorter ones that end at a word boundary.
            end = shorter.end()
            if not _inside_word(text, end):
                spellings = _fitting(gazetteer, text[start:end])
        end = end if spellings else match.end()
        position = end if spellings else start + 1
        if not spellings or spellings[0].entry.category == "ignore":
            plain.append(_Hit(start, end, None))
        elif addresses[start] and addresses[end - 1]:
            plain.append(_Hit(start, end, None))  # part of a link, read by _domain_hits
        elif not spellings[0].guarded:
            plain.append(_Hit(start, end, spellings[0].entry))
        else:
            guarded.append((start, end, spellings))
    plain += _domain_hits(gazetteer, text, addresses)
    named = [hit for hit in plain if hit.entry is not None]
    confirmed.update(hit.entry.name for hit in named if hit.entry is not None)
    hits = list(plain)
    for start, end, spellings in guarded:
        entry = _confirm(gazetteer, text, start, end, spellings, named, confirmed)
        hits.append(_Hit(start, end, entry))
        if entry is not None:
            confirmed.add(entry.name)
    return hits


def _candidates(gazetteer: _Gazetteer, text: str) -> list[re.Match[str]]:
    """Longest listed spellings at each place a name may start, in text order."""
    found = list(gazetteer.pattern.finditer(text))
    starts = set()
    for word in gazetteer.lower_starts:
        position = text.find(word)
        while position >= 0:
            if position == 0 or not (text[position - 1].isalnum() or text[position - 1] == "_"):
                starts.add(position)
            position = text.find(word, position + 1)
    found += [m for start in starts if (m := gazetteer.anchored.match(text, start))]
    return sorted(found, key=lambda match: match.start()) if starts else found


def _without_possessive_vendors(text: str, hits: list[_Hit]) -> list[_Hit]:
    """Drop "IBM" from "IBM's iBase": the vendor is named as the maker of the product."""
    starts = {hit.start for hit in hits if hit.entry and hit.entry.category == "system"}
    return [
        hit
        for hit in hits
        if not (
            hit.entry
            and hit.entry.category == "vendor"
            and (after := _POSSESSIVE.match(text, hit.end))
            and after.end() in starts
        )
    ]


_POSSESSIVE = re.compile(r"['\u2019]s?[ \t]+")


def _fitting(gazetteer: _Gazetteer, written: str) -> list[_Spelling]:
    return _fitting_spellings(written)


@lru_cache(maxsize=4096)
def _fitting_spellings(written: str) -> list[_Spelling]:
    """The listed spellings a piece of text fits, capitals included (remembered: names recur)."""
    spellings = _gazetteer().spellings.get(alias_key(written), [])
    return [spelling for spelling in spellings if _case_fits(spelling.written, written)]


def _inside_word(text: str, position: int) -> bool:
    return position < len(text) and (text[position].isalnum() or text[position] == "_")


def _confirm(
    gazetteer: _Gazetteer,
    text: str,
    start: int,
    end: int,
    spellings: list[_Spelling],
    named: list[_Hit],
    confirmed: set[str],
) -> GazetteerEntry | None:
    """Which entry a guarded word means here, or None when it is just a word."""
    if not text[start].isupper():
        return None
    entries = [spelling.entry for spelling in spellings]
    for entry in entries:
        if entry.name in confirmed:
            return entry
    window = text[max(0, start - CONTEXT_CHARS) : end + CONTEXT_CHARS]
    scores = [
        (len(cue.findall(window)) if (cue := gazetteer.cues.get(entry.name)) else 0, -rank)
        for rank, entry in enumerate(entries)
    ]
    best = max(scores)
    # At the start of a sentence a capital proves nothing, so one cue is not enough there.
    if best[0] and (best[0] > 1 or _mid_sentence(text, start) or _SYSTEM_WORDS.search(window)):
        return entries[-best[1]]
    if len(entries) == 1 and (
        _listed_beside(text, start, end, named)
        or _MAKER_BEFORE.search(text, max(0, start - 60), start)
    ):
        return entries[0]
    if _mid_sentence(text, start) and _PRODUCT_WORD_AFTER.match(text, end):
        return entries[0]  # "the Mosaic system": the first listed sense of the word
    uncued = [entry for entry in entries if entry.name not in gazetteer.cues]
    if uncued and _mid_sentence(text, start) and _SYSTEM_WORDS.search(window):
        return uncued[0]
    return None


_PRODUCT_WORD_AFTER = re.compile(
    r"[ \t]+(?:(?:case|management|recording|records?|finance|social|care|crime|intelligence|"
    r"analytics|reporting|data)[ \t]+){0,2}(?:system|software|platform|database|application|"
    r"module|package|solution)s?\b",
    re.IGNORECASE,
)
# "supplied by BT", "a contract with EY": the phrase itself says a company is meant.
_MAKER_BEFORE = re.compile(
    r"\b(?:(?:supplied|provided|developed|built|designed|hosted|delivered|licensed|maintained|"
    r"produced|sold)[ \t]+by|(?:contract|agreement|partnership)s?[ \t]+with"
    r"|licen[cs]es?[ \t]+for|(?:supplier|provider|vendor|contractor)s?"
    r"(?:[ \t]+(?:is|was))?[ \t]*[,:]?)[ \t]+(?:the[ \t]+)?\Z",
    re.IGNORECASE,
)


def _listed_beside(text: str, start: int, end: int, named: list[_Hit]) -> bool:
    """Whether the word is an item in a list of named systems: one per line, or "X, Y and Z"."""
    near = [hit for hit in named if abs(hit.start - start) <= CONTEXT_CHARS]
    if not near:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    if _LIST_MARK.match(text[line_start:start].strip()):
        return True
    return any(
        _LIST_GAP.fullmatch(text[hit.end : start] if hit.end <= start else text[end : hit.start])
        for hit in near
    )


def _mid_sentence(text: str, start: int) -> bool:
    """Whether a word stands inside a sentence, where a capital letter says it is a name."""
    line = text[max(0, start - 120) : start].rsplit("\n", 1)[-1].strip()
    return bool(line) and line[-1] not in ".!?:;" and not _LIST_MARK.match(line)


def _case_fits(written: str, found: str) -> bool:
    """Whether the text's capitals fit the spelling: HART in capitals, Capita capitalised."""
    letters = [char for char in written if char.isalpha()]
    if not any(char.isupper() for char in letters):
        return True  # written all in lower case: "risk based verification" in any case
    if all(char.isupper() for char in letters):
        return all(char.isupper() for char in found if char.isalpha())
    if written[0].islower():
        flat = _KEY_SEPARATORS.sub(" ", found)
        return flat in {written, written[0].upper() + written[1:]} or found.isupper()
    wanted = _KEY_SEPARATORS.split(written)
    got = _KEY_SEPARATORS.split(found)
    if len(wanted) != len(got):
        return found[0].isupper()
    return all(not w[:1].isupper() or g[:1].isupper() for w, g in zip(wanted, got, strict=True))


# --- web and email addresses ----------------------------------------------------------------

_ADDRESS_START = re.compile(r"(?=[hHwW@])(?:https?:/|www\.|@)", re.IGNORECASE)
_TOP_LEVEL = re.compile(r"\.(?:com|org|net|io|uk)\b", re.IGNORECASE)
_HOST_BEFORE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*\Z")


_WEB, _EMAIL = 1, 2


def _addresses(text: str) -> bytearray:
    """Web and email addresses marked character by character (1 web, 2 email; 0 prose)."""
    marks = bytearray(len(text))
    reached = 0
    for match in _ADDRESS_START.finditer(text):
        if match.start() < reached:
            continue
        start = match.start()
        while start > 0 and not text[start - 1].isspace() and match.start() - start < 200:
            start -= 1
        end = match.end()
        while end < len(text) and not text[end].isspace() and end - match.end() < 500:
            end += 1
        kind = _EMAIL if "@" in text[start:end] and "/" not in text[start:end] else _WEB
        marks[start:end] = bytes([kind]) * (end - start)
        reached = end
    return marks


def _domain_hits(gazetteer: _Gazetteer, text: str, addresses: bytearray) -> list[_Hit]:
    """Links to a listed system's own site (blpd.gov.uk), outside email addresses."""
    hits = []
    for match in _TOP_LEVEL.finditer(text):
        before = _HOST_BEFORE.search(text, max(0, match.start() - 100), match.start())
        if before is None:
            continue
        start = before.start()
        if "@" in text[max(0, start - 1) : match.end() + 1] or addresses[start] == _EMAIL:
            continue  # an email address names the sender's mail host, not a system
        parts = (before.group() + match.group()).lower().split(".")
        for index in range(len(parts) - 1):
            if entry := gazetteer.domains.get(".".join(parts[index:])):
                hits.append(_Hit(start, match.end(), entry))
                break
    return hits


# --- names the gazetteer does not know ------------------------------------------------------

# A capitalised word: Title, CAPITALS, CamelCase (QlikView) or iBase.
_WORD = (
    r"(?:[A-Z][a-z0-9]+(?:['\u2019][a-z]+)?|[A-Z]{2,}[0-9]*|[A-Z][a-z]+[A-Z][A-Za-z0-9]*"
    r"|[a-z][A-Z][A-Za-z0-9]*)"
)
_NAME = rf"{_WORD}(?:[ \t]+(?:(?:of|for|&)[ \t]+)?{_WORD}){{0,4}}"
_QUALIFIER = (
    r"(?:case|management|recording|records?|finance|financial|social|care|analytics|analysis|"
    r"analytical|reporting|information|data|risk|assessment|predictive|mapping|housing|"
    r"education|payments?|intelligence|business|fraud|matching|profiling|scoring|warehouse|"
    r"health|clinical|crime|command|control|custody|payroll|web|online|cloud|based|"
    r"visualisation|visualization|statistical|modelling|forecasting|performance|customer|"
    r"document|workflow|mobile|desktop|server|early|help|children['\u2019]s|adults['\u2019]?|"
    r"adult|children|crm|gis|erp|hr)"
)
_PRODUCT_NOUNS = {
    "system", "software", "platform", "database", "application", "app", "tool", "toolkit",
    "module", "package", "solution", "product", "dataset", "model", "suite", "portal",
    "dashboard", "algorithm",
}  # fmt: skip
_MAKER_VERBS = {
    "supplied", "provided", "developed", "built", "designed", "created", "hosted", "delivered",
    "licensed", "maintained", "produced", "sold", "written", "owned", "operated",
}  # fmt: skip
_DEALINGS = {"contract", "agreement", "partnership", "collaboration", "relationship"}
_SUPPLIERS = {"supplier", "vendor", "provider", "contractor", "developer", "manufacturer"}
_LICENCES = {"licence", "license"}
_NAMING = {"scheme", "programme"}  # only before "called"/"known as"
_TRIGGER_WORDS = _PRODUCT_NOUNS | _MAKER_VERBS | _DEALINGS | _SUPPLIERS | _LICENCES | _NAMING
# "the Foo system", "Foo case management software": the name ends where the trigger begins.
_NAME_BEFORE_PRODUCT = re.compile(
    rf"(?<![\w'\u2019&./@])(?P<name>{_NAME})[ \t]+(?:{_QUALIFIER}[ \t]+){{0,3}}\Z"
)
# "SEEMiS, the schools management information system": a name, then what it is.
_NAME_BEFORE_DESCRIPTION = re.compile(
    rf"(?<![\w'\u2019&./@])(?P<name>{_NAME})[ \t]*,[ \t]+(?:the|a|an|our|its|their)[ \t]+"
    r"(?:[\w'\u2019\-]+[ \t]+){0,5}\Z"
)
_CALLED = re.compile(
    r"[ \t]+(?:(?i:is|was)[ \t]+)?(?i:called|known[ \t]+as|named|entitled|branded)[ \t]+"
    rf"[\"'\u2018\u201c]?(?P<name>{_NAME})"
)
# "our case management system is Mosaic", ended by punctuation or a few joining words.
_IS_NAMED = re.compile(
    rf"[ \t]+(?:(?:used|in[ \t]+use)[ \t]+)?(?:is|was)[ \t]+(?P<name>{_NAME})"
    r"(?=[ \t]*(?:[,.;:()\n]|$|and\b|which\b|from\b|supplied\b|provided\b|by\b|\u2013))"
)
_BY = re.compile(rf"[ \t]+by[ \t]+(?:the[ \t]+)?(?P<name>{_NAME})")
_WITH = re.compile(
    rf"[ \t]+(?:with|between[ \t]+(?:the[ \t]+)?{_NAME}[ \t]+and)[ \t]+(?:the[ \t]+)?"
    rf"(?P<name>{_NAME})"
)
_SUPPLIER_IS = re.compile(
    rf"[ \t]*(?:(?:is|was|are|were)[ \t]+|[,:\-][ \t]*)(?:the[ \t]+)?(?P<name>{_NAME})"
)
_IS_SUPPLIER = re.compile(
    rf"(?<![\w'\u2019&./@])(?P<name>{_NAME})[ \t]+(?:is|are|was|were)[ \t]+(?:our|the)[ \t]+"
    r"(?:[a-z]+[ \t]+){0,2}\Z"
)
_FOR = re.compile(rf"[ \t]+(?:for|to[ \t]+use)[ \t]+(?:the[ \t]+)?(?P<name>{_NAME})")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that make a name a public body, a team or a law, never a product or supplier.
_PUBLIC_BODY = _words(
    """council councils constabulary police force authority authorities borough county district
    government ministry department departments directorate division office service services
    team teams unit board committee commissioner commissioners commission nhs ccg ccgs
    parliament house court tribunal agency executive inspectorate panel partnership group
    groups act acts regulation regulations directive gdpr ico foi foia eir ombudsman trust lab
    laboratory hospital school schools academy academies"""
)
# Capitalised words that say nothing about which product is meant.
_GENERIC = _words(
    """a an the this that these those our your their its we you it they he she i my his her all
    any each every some no yes not please dear thank thanks kind regards yours if in on at to
    from by with for of and or as is are was were be been has have had will would can could
    should may might also however further following under within new current existing old
    legacy other another same such there here where when what which who how why then than so
    but question questions answer answers response request requests section part page appendix
    annex note notes item data dataset datasets database databases system systems software
    platform application applications tool tools model models module modules product products
    solution solutions package service information intelligence analytics analysis analytical
    predictive risk assessment assessments score scores scoring profiling management case cases
    record records recording reporting report reports performance business customer customers
    client clients integrated integration shared sharing single view digital electronic online
    web website portal dashboard dashboards mapping matching early help intervention prevention
    social care children children's childrens child adult adults adults' family families young
    people people's person health wellbeing public local national regional central community
    communities housing education finance financial payment payments revenues revenue benefits
    benefit tax fraud crime policing custody safeguarding protection support supporting
    workforce hr payroll human resources planning building control environmental environment
    transport highways waste licensing parking trading standards document documents
    documentation file files index measure measures framework strategy policy plan programme
    programmes project projects scheme pilot initiative officer manager head director chief
    assistant deputy senior lead strategic corporate governance compliance legal access rights
    freedom general privacy impact equality security quality standard operating procedure
    procedures guidance manual training staff user users contact enquiries key stage level
    outcome outcomes evaluation review internal external third party contract contracts
    supplier suppliers vendor licence license cost costs savings budget annual year years date
    time total number table chart graph map maps area areas ward wards city region north south
    east west greater united kingdom england wales scotland ireland british english welsh
    scottish uk machine learning artificial algorithm algorithms algorithmic automated
    automation decision decisions making process processes processing statistical statistics
    survey census research study studies trial trials evidence based university college
    institute centre center network hub foundation dynamics cohort criminal justice youth
    welfare legal immigration asylum pension pensions electoral voting insurance special
    educational needs disabilities disability years primary secondary mental physical disabled
    older vulnerable homeless homelessness domestic abuse violence offender offenders victim
    victims missing exploitation sexual blue badge land registry direct open target delivery
    future improvement transformation change transition neighbourhood neighbourhoods street
    environmental highway road roads traffic fire rescue emergency ambulance medical patient
    patients hospital clinical mobile desktop cloud server servers network networks telephony
    email website intranet internet portal online paper manual spreadsheet spreadsheets
    neither either both none one two three four five several many most much more less few own
    very only just whichever whose however therefore furthermore moreover again instead
    meanwhile overall whilst while although though since following finally ok firstly secondly
    thirdly lastly additionally currently previously unfortunately specifically generally"""
)
_GENERIC_ACRONYMS = _words(
    """it hr crm gis erp cctv anpr ict nhs dwp hmrc bi ai api sql id uk eu foi foia gdpr pdf csv
    mi kpi la las ccg asc csc sen send ehcp ir ml ocr rag dpia pia dpa eir lsoa msoa gp ae rti
    ico ons mhclg dclg dfe moj cps q a v"""
)
_CALENDAR = _words(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday"""
)
# A name of two or more plain capitalised words with none of these looks like a person's name.
_ORGANISATION_MARKS = _words(
    """ltd limited plc llp inc corporation corp group solutions systems technologies technology
    software consulting consultancy analytics institute university college partners associates
    uk international services data digital labs health"""
)
_VERSION = re.compile(r"^(?:[vV]\d[\w.]*|\d[\d.]*)$")
_BODY_WORD = re.compile(r"\b(?:Council|Constabulary|Police|Authority|Borough|County|City|CCG)\b")
_WORDS_BEFORE = re.compile(r"(?:(?:[A-Z][\w'\u2019]+|and|&)[ \t]+){1,5}\Z")
_TITLES = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame|Cllr|Councillor)\.?[ \t]+\Z")


def _public_body_words(pages: Sequence[SourcePage]) -> set[str]:
    """Words of public bodies the reply names ("Gwent" of Gwent Police): never a product."""
    words: set[str] = set()
    for page in pages:
        for match in _BODY_WORD.finditer(page.text):
            before = _WORDS_BEFORE.search(page.text, max(0, match.start() - 60), match.start())
            if before:
                words.update(_bare(word) for word in before.group().split())
    words.difference_update({"and", "&"})
    return words


def _pattern_hits(text: str, taken: bytearray, public: set[str]) -> list[_Hit]:
    """Capitalised names beside product words, supplier words or dealings with a company."""
    hits = []
    for trigger in _triggers().finditer(text):
        word = trigger.group().lower()
        word = word[:-1] if word.endswith("s") and word[:-1] in _TRIGGER_WORDS else word
        for match, category in _names_at(text, trigger, word):
            start, end = match.span("name")
            if any(taken[start:end]):
                continue
            if _TITLES.search(text, max(0, start - 20), start):
                continue
            noun = trigger.group()
            # "Foo Dataset" is the name; "Foo System" and "Foo HR system" are Foo.
            named_by_noun = (
                match.re is _NAME_BEFORE_PRODUCT
                and noun[0].isupper()
                and _bare(noun) not in {"system", "systems", "software"}
            )
            keep_tail = named_by_noun or category == "vendor"  # "Quorum Analytics" keeps its tail
            name = _clean_name(match.group("name"), public, keep_tail=keep_tail)
            if named_by_noun:
                name = f"{name} {noun}"
            if name and _is_product_name(name, public, category == "vendor"):
                hits.append(_Hit(start, end, None, name, category))
    return hits


@cache
def _triggers() -> re.Pattern[str]:
    return re.compile(_any_word(_TRIGGER_WORDS, upper_too=True) + r"s?\b")


def _names_at(text: str, trigger: re.Match[str], word: str) -> list[tuple[re.Match[str], str]]:
    """The name a trigger word points to, before it or after it, with its category."""
    start, end = trigger.span()
    found: list[tuple[re.Match[str] | None, str]] = []
    if word in _PRODUCT_NOUNS:
        window = max(0, start - 120)
        found.append((_NAME_BEFORE_PRODUCT.search(text, window, start), "system"))
        found.append((_NAME_BEFORE_DESCRIPTION.search(text, window, start), "system"))
    if word in _PRODUCT_NOUNS or word in _NAMING:
        found.append((_CALLED.match(text, end), "system"))
    if word in _PRODUCT_NOUNS:
        found.append((_IS_NAMED.match(text, end), "system"))
    if word in _MAKER_VERBS:
        found.append((_BY.match(text, end), "vendor"))
    if word in _DEALINGS:
        found.append((_WITH.match(text, end), "vendor"))
    if word in _SUPPLIERS:
        found.append((_SUPPLIER_IS.match(text, end), "vendor"))
        found.append((_IS_SUPPLIER.search(text, max(0, start - 120), start), "vendor"))
    if word in _LICENCES:
        found.append((_FOR.match(text, end), "system"))
    return [(match, category) for match, category in found if match is not None]


def _bare(word: str) -> str:
    return normalise(word).lower().removesuffix("'s")


def _clean_name(name: str, public: set[str], *, keep_tail: bool = False) -> str:
    """A pattern's name without the words around it: "the Council's Foo HR" is Foo."""
    words = name.split()
    for index in range(len(words) - 1, -1, -1):
        if re.search(r"['\u2019]s$", words[index]) and _bare(words[index]) in (
            _PUBLIC_BODY | _GENERIC | public
        ):
            words = words[index + 1 :]  # "the Council's", "Gwent Police's"
            break
    while words and words[0].lower() in {"the", "a", "an", "our", "their", "its", "this"}:
        words.pop(0)
    while words and _VERSION.match(words[-1]):
        words.pop()
    while not keep_tail and len(words) > 1 and _bare(words[-1]) in _GENERIC | _GENERIC_ACRONYMS:
        words.pop()
    if words:
        words[-1] = re.sub(r"['\u2019]s$", "", words[-1])
    return " ".join(words)


def _is_product_name(name: str, public: set[str], organisation: bool) -> bool:
    """Whether a capitalised phrase can name a product or supplier (not a body, law or person)."""
    if alias_key(name) in _gazetteer().spellings:
        return False  # listed: the gazetteer finds it where it fits, or it is an ignored phrase
    words = [_bare(word) for word in name.split()]
    if len(words) > 5 or len(name) > 60:
        return False
    if any(word in _PUBLIC_BODY or word in _CALENDAR for word in words):
        return False
    distinctive = [
        word
        for word in words
        if word not in _GENERIC
        and word not in _GENERIC_ACRONYMS
        and word not in public
        and word not in {"&", "of", "for"}
        and len(word) > 1
    ]
    if not distinctive:
        return False
    if len(words) == 1 and words[0].endswith("ly") and name[1:].islower():
        return False  # "Unfortunately, the system ...": an adverb, not a name
    if organisation and len(words) >= 2 and "of" not in words:
        plain_words = all(w[0].isupper() and w[1:].islower() for w in name.split() if w != "&")
        if plain_words and not set(words) & _ORGANISATION_MARKS:
            return False  # "John Smith": plain capitalised words and no company mark
    return True


# --- the sentence around a mention, and the final list --------------------------------------

_SENTENCE_END = re.compile(r"[.!?](?=[\s\"')\]\u2019\u201d]|$)")
_LIST_LINE = re.compile(
    r"^(?:[-*>\u2022\u00b7\u25cf\u25aa\uf0b7]|\(?\w{1,3}[.)]|[QA]\d+\b|Q\s?\d+|Question\b)"
)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence holding the mention, on one line, at most MAX_SENTENCE_CHARS long.

    A sentence stops at . ! or ?, at a blank line, and at a line break that is not a wrap (the
    next line starts a list item, or a capitalised line follows a short one: headings, Q/A rows).
    """
    begin = text.rfind("\n", 0, start) + 1
    while begin > 0 and start - begin < 600:
        previous = text.rfind("\n", 0, begin - 1) + 1
        if not _wraps(text[previous : begin - 1], text[begin : _line_end(text, begin)]):
            break
        begin = previous
    finish = _line_end(text, end)
    while finish < len(text) and finish - end < 600:
        following = _line_end(text, finish + 1)
        line_start = text.rfind("\n", 0, finish) + 1
        if not _wraps(text[line_start:finish], text[finish + 1 : following]):
            break
        finish = following
    for match in _SENTENCE_END.finditer(text, begin, start):
        begin = match.end()
    if stop := _SENTENCE_END.search(text, end, finish):
        finish = stop.end()
    sentence = " ".join(text[begin:finish].split())
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    before = " ".join(text[begin:start].split()) + (" " if text[start - 1].isspace() else "")
    rest = " ".join(text[start:finish].split())
    room = max(0, MAX_SENTENCE_CHARS - min(len(rest), MAX_SENTENCE_CHARS // 2))
    left = before[-room:] if room < len(before) else before
    clipped = (left + rest)[:MAX_SENTENCE_CHARS].strip()
    opening = "…" if left != before else ""
    return opening + clipped + ("…" if len(left + rest) > len(clipped) else "")


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _wraps(line: str, following: str) -> bool:
    """Whether a line break only wraps a sentence (the next line carries it on)."""
    line, following = line.strip(), following.strip()
    if not line or not following or _LIST_LINE.match(following):
        return False
    return following[0].islower() or (len(line) >= 50 and line[-1] not in ".!?:;")


def _without_vendors_named_by_products(findings: list[MentionFinding]) -> list[MentionFinding]:
    """Drop a vendor whose name opens another finding's name: "Capita One" names Capita."""
    names = [finding.name.lower() for finding in findings]
    return [
        finding
        for finding in findings
        if finding.category != "vendor"
        or not any(name.startswith(finding.name.lower() + " ") for name in names)
    ]
