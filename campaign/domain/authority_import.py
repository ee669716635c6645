"""Reading lists of public authorities from CSV files: a user's upload and the UK councils register.

Pure functions over bytes and text. Every problem is returned as a value with the physical line
it was found on (the header is line 1), so a person can fix the file in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email

from campaign.domain.law import LawCode, default_law_for, parse_law
from campaign.domain.names import normalise_name
from campaign.domain.vocabulary import Nation

DEFAULT_MAX_ROWS = 20_000
MAX_NAME = 200
MAX_EMAIL = 254
MAX_TYPE = 64
MAX_TAG = 64
MAX_WEBSITE = 300

GSS_CODE = re.compile(r"^[ENSWK]\d{8}$")
# Cells a spreadsheet would run as a formula when the data is exported and opened again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
UTF8_BOM = b"\xef\xbb\xbf"


class Encoding(StrEnum):
    """How to decode an upload: guess (UTF-8, else Windows-1252) or insist on one."""

    AUTO = "auto"
    UTF8 = "utf-8"
    CP1252 = "cp1252"


class Field(StrEnum):
    NAME = "name"
    EMAIL = "email"
    NATION = "nation"
    TYPE = "type"
    GSS = "gss"
    LAW = "law"
    TAGS = "tags"
    WEBSITE = "website"


# Header spellings, compared without case, spaces or punctuation ("E-mail" == "email").
HEADER_ALIASES: dict[Field, tuple[str, ...]] = {
    Field.NAME: (
        "Name",
        "Authority",
        "Authority name",
        "Public authority",
        "Body",
        "Body name",
        "Public body",
        "Organisation",
        "Organisation name",
        "Organization",
        "Organization name",
        "Council",
        "Council name",
        "Official name",
    ),
    Field.EMAIL: (
        "Email",
        "Email address",
        "FOI email",
        "FOI email address",
        "FOI address",
        "Request email",
        "Request email address",
        "FOI request email",
    ),
    Field.NATION: ("Nation", "Country"),
    Field.TYPE: ("Type", "Authority type", "Body type", "Organisation type", "Organization type"),
    Field.GSS: ("GSS", "GSS code", "ONS code", "ONS GSS code"),
    Field.LAW: ("Law", "Regime", "Legislation", "Act"),
    Field.TAGS: ("Tags", "Tag", "Labels"),
    Field.WEBSITE: ("Website", "Web site", "URL", "Web address", "Homepage"),
}

_NATION_ALIASES = {
    Nation.ENGLAND: ("england", "eng", "en", "english"),
    Nation.WALES: ("wales", "wls", "wal", "cymru", "welsh"),
    Nation.SCOTLAND: ("scotland", "sct", "sco", "scot", "alba", "scottish"),
    Nation.NORTHERN_IRELAND: ("northernireland", "ni", "nir", "nireland", "northernirish"),
}
_NATIONS_BY_KEY = {key: nation for nation, keys in _NATION_ALIASES.items() for key in keys}
# The first letter of a GSS code says which nation the area is in; K codes span several.
_NATION_BY_GSS_LETTER = {
    "E": Nation.ENGLAND,
    "W": Nation.WALES,
    "S": Nation.SCOTLAND,
    "N": Nation.NORTHERN_IRELAND,
}
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file",
    b"\xd0\xcf\x11\xe0": "an old-style Excel workbook (.xls)",
    b"%PDF": "a PDF",
}
SAVE_AS_CSV = "In your spreadsheet choose Save As, then “CSV UTF-8 (Comma delimited)”."


def header_key(text: str) -> str:
    """A header or alias reduced to letters and digits, so spelling variants compare equal."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


_FIELDS_BY_HEADER = {
    header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases
}


@dataclass(frozen=True)
class RowError:
    """Why one line of the file cannot be imported."""

    line: int
    reason: str


@dataclass(frozen=True)
class AuthorityRow:
    """One valid line of an import, holding values in the form they are stored."""

    line: int
    name: str
    normalised_name: str
    foi_email: str | None = None
    nation: str | None = None
    authority_type: str = ""
    gss_code: str | None = None
    law: str = LawCode.FOIA.value
    # False when the cell was blank: `law` is then the nation's default, not the user's word.
    law_stated: bool = False
    tags: tuple[str, ...] = ()
    website: str = ""


@dataclass
class ParsedImport:
    """Everything learnt from one file: the good rows, and every problem found."""

    rows: list[AuthorityRow] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    columns: dict[Field, str] = field(default_factory=dict)
    encoding: str = Encoding.UTF8.value

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors

    @property
    def bad_lines(self) -> list[int]:
        return sorted({error.line for error in self.row_errors})


# ---------------------------------------------------------------------------
# Single values


def parse_nation(text: str) -> Nation | None:
    """Read a nation as people write it ('Scotland', 'SCT', 'N. Ireland'); None if unknown."""
    return _NATIONS_BY_KEY.get(re.sub(r"[^a-z]", "", text.lower()))


def nation_from_gss(gss_code: str) -> Nation | None:
    """The nation an area's GSS code belongs to (E/W/S/N); None for UK-wide K codes."""
    return _NATION_BY_GSS_LETTER.get(gss_code[:1].upper())


def read_email(text: str) -> tuple[str | None, str | None]:
    """(address, None) for a valid address with its domain in lower case, else (None, reason)."""
    text = text.strip()
    if len(text) > MAX_EMAIL:
        return None, f"email is {len(text)} characters long; the limit is {MAX_EMAIL}"
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        return None, f"email “{text}” is not a valid address: {error}"
    return f"{checked.local_part}@{checked.domain.lower()}", None


def slugify_tag(text: str) -> str:
    """A tag as stored: words joined by hyphens: "London borough" -> "london-borough"."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def split_tags(text: str) -> list[str]:
    """Tags written in one cell, separated by semicolons or commas; duplicates dropped."""
    tags = [slugify_tag(part) for part in re.split(r"[;,]", text)]
    return list(dict.fromkeys(tag for tag in tags if tag))


def looks_like_formula(cell: str) -> bool:
    """Would a spreadsheet run this cell? Plain numbers such as "-1.87" are safe."""
    if PLAIN_NUMBER.match(cell.strip()):
        return False
    return cell.startswith(FORMULA_STARTS) or cell.strip().startswith(FORMULA_STARTS)


def _clean(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------
# Bytes to text


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _binary_problem(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            "The file is UTF-16 text (Excel's “Unicode Text”), not a CSV text file we can read. "
            + SAVE_AS_CSV
        )
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            return f"This is not a CSV text file: it looks like {what}. {SAVE_AS_CSV}"
    if b"\x00" in data:
        line = _line_of(data, data.index(b"\x00"))
        return (
            f"This is not a CSV text file: it contains binary data (a NUL byte on line {line}). "
            + SAVE_AS_CSV
        )
    return None


def _where(data: bytes, offset: int) -> str:
    return f"the byte 0x{data[offset]:02X} on line {_line_of(data, offset)} (byte {offset + 1})"


def decode_upload(data: bytes, encoding: Encoding) -> tuple[str | None, str | None, str | None]:
    """Bytes to text as (text, warning, error); a UTF-8 byte order mark is dropped."""
    data = data.removeprefix(UTF8_BOM)
    codec = "cp1252" if encoding == Encoding.CP1252 else "utf-8"
    try:
        return data.decode(codec), None, None
    except UnicodeDecodeError as error:
        where = _where(data, error.start)
    if encoding == Encoding.UTF8:
        problem = (
            f"The file is not valid UTF-8: it has {where}, which UTF-8 cannot contain. "
            "Choose the Windows-1252 encoding, or save the file as “CSV UTF-8”."
        )
        return None, None, problem
    if encoding == Encoding.CP1252:
        problem = f"The file is not Windows-1252 text: it has {where}, which Windows-1252 lacks."
        return None, None, problem
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        problem = (
            "The file is neither UTF-8 nor Windows-1252 text: "
            f"it has {_where(data, error.start)}. {SAVE_AS_CSV}"
        )
        return None, None, problem
    warning = (
        f"The file was read as Windows-1252 because it is not valid UTF-8: it has {where}. "
        "Check that accented names look right, or save the file as “CSV UTF-8”."
    )
    return text, warning, None


# ---------------------------------------------------------------------------
# Text to records


def _delimiter(text: str) -> str:
    """Comma, unless the header row is clearly separated by semicolons or tabs (European Excel)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank CSV record with the physical line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    previous_end = 0
    for record in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if any(cell.strip() for cell in record):
            yield start, record


def _map_columns(header: list[str], parsed: ParsedImport) -> dict[Field, int]:
    """Which column holds which field; problems go to the file errors and warnings."""
    columns: dict[Field, int] = {}
    ignored = []
    for index, title in enumerate(header):
        name = _FIELDS_BY_HEADER.get(header_key(title))
        if name is None:
            if title.strip():
                ignored.append(f"“{title.strip()}”")
            continue
        if name in columns:
            first = header[columns[name]].strip()
            parsed.file_errors.append(
                f"Two columns hold the {name.value}: “{first}” (column {columns[name] + 1}) "
                f"and “{title.strip()}” (column {index + 1}). Delete or rename one of them."
            )
            continue
        columns[name] = index
        parsed.columns[name] = title.strip()
    if Field.NAME not in columns and not parsed.file_errors:
        found = ", ".join(f"“{h.strip()}”" for h in header if h.strip()) or "no column names"
        expected = ", ".join(f"“{alias}”" for alias in HEADER_ALIASES[Field.NAME][:7])
        parsed.file_errors.append(
            f"The file has no name column. The header row (line 1) has: {found}. "
            f"Expected a column called one of: {expected}; optional columns are "
            "email, nation, type, GSS code, law, tags and website."
        )
    if ignored and not parsed.file_errors:
        parsed.warnings.append(
            f"Columns not used by the import were ignored: {', '.join(ignored)}."
        )
    return columns


# ---------------------------------------------------------------------------
# Records to rows


def _shape_problem(record: list[str], header: list[str]) -> str | None:
    """Too few or too many cells, usually an unquoted comma; trailing empty cells are fine."""
    extra = record[len(header) :]
    if len(record) < len(header) or any(cell.strip() for cell in extra):
        return (
            f"has {len(record)} cells but the header has {len(header)} columns "
            "(a comma inside a name needs the name in double quotes)"
        )
    return None


def _formula_problem(record: list[str], header: list[str]) -> str | None:
    """Any cell, used or not, that a spreadsheet would run when the data is opened again."""
    titles = [
        header[index].strip() or f"column {index + 1}"
        for index, cell in enumerate(record[: len(header)])
        if looks_like_formula(cell)
    ]
    if not titles:
        return None
    cells = ", ".join(f"“{title}”" for title in titles)
    return f"the {cells} cell looks like a spreadsheet formula; remove it or retype it"


def _read_name(text: str) -> tuple[str, str | None]:
    if not text:
        return "", "the name is blank"
    if len(text) > MAX_NAME:
        return "", f"the name is {len(text)} characters long; the limit is {MAX_NAME}"
    return text, None


def _read_optional_email(text: str) -> tuple[str | None, str | None]:
    return read_email(text) if text else (None, None)


def _read_gss(text: str) -> tuple[str | None, str | None]:
    code = text.upper().replace(" ", "")
    if code and not GSS_CODE.match(code):
        return None, f"GSS code “{text}” should be E, N, S, W or K and 8 digits, e.g. E06000023"
    return code or None, None


def _read_nation(text: str, gss: str | None) -> tuple[Nation | None, str | None]:
    """The nation written, else the one the GSS code implies; the two must agree."""
    if not text:
        return (nation_from_gss(gss) if gss else None), None
    nation = parse_nation(text)
    if nation is None:
        return None, f"nation “{text}” is not England, Wales, Scotland or Northern Ireland"
    implied = nation_from_gss(gss) if gss else None
    if implied not in (None, nation):
        return None, f"nation is {nation} but GSS code {gss} is in {implied}"
    return nation, None


def _read_law(text: str, nation: Nation | None) -> tuple[LawCode, str | None]:
    """The law written, else the nation's default (FOISA in Scotland, FOIA elsewhere)."""
    if not text:
        return default_law_for(nation), None
    law = parse_law(text)
    if law is None:
        return default_law_for(nation), f"law “{text}” is not FOIA, FOISA or EIR"
    return law, None


def _read_type(text: str) -> tuple[str, str | None]:
    if len(text) > MAX_TYPE:
        return "", f"the type is {len(text)} characters long; the limit is {MAX_TYPE}"
    return text, None


def _read_tags(text: str) -> tuple[tuple[str, ...], str | None]:
    tags = split_tags(text)
    too_long = [tag for tag in tags if len(tag) > MAX_TAG]
    if too_long:
        return (), f"tag “{too_long[0][:20]}…” is longer than {MAX_TAG} characters"
    return tuple(tags), None


def _read_website(text: str) -> tuple[str, str | None]:
    """A web address, given https:// when written bare; other schemes (javascript:) refused."""
    if not text:
        return "", None
    if len(text) > MAX_WEBSITE:
        return "", f"website is {len(text)} characters long; the limit is {MAX_WEBSITE}"
    if " " in text:
        return "", f"website “{text}” is not a web address"
    scheme = re.match(r"([a-z][a-z0-9+-]*):", text, re.IGNORECASE)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return "", f"website “{text}” must start with http:// or https://"
    return (text if scheme else f"https://{text}"), None


def _row_from_record(
    line: int, record: list[str], header: list[str], columns: dict[Field, int]
) -> tuple[AuthorityRow | None, list[str]]:
    """Validate one record; returns the row, or None and every reason it was rejected."""
    problem = _shape_problem(record, header) or _formula_problem(record, header)
    if problem:
        return None, [problem]
    text = {field: _clean(record[index]) for field, index in columns.items()}
    name, name_problem = _read_name(text.get(Field.NAME, ""))
    email, email_problem = _read_optional_email(text.get(Field.EMAIL, ""))
    gss, gss_problem = _read_gss(text.get(Field.GSS, ""))
    nation, nation_problem = _read_nation(text.get(Field.NATION, ""), gss)
    law, law_problem = _read_law(text.get(Field.LAW, ""), nation)
    authority_type, type_problem = _read_type(text.get(Field.TYPE, ""))
    tags, tags_problem = _read_tags(text.get(Field.TAGS, ""))
    website, website_problem = _read_website(text.get(Field.WEBSITE, ""))
    problems = [
        name_problem,
        email_problem,
        gss_problem,
        nation_problem,
        law_problem,
        type_problem,
        tags_problem,
        website_problem,
    ]
    reasons = [reason for reason in problems if reason]
    if reasons:
        return None, reasons
    row = AuthorityRow(
        line=line,
        name=name,
        normalised_name=normalise_name(name),
        foi_email=email,
        nation=nation.value if nation else None,
        authority_type=authority_type,
        gss_code=gss,
        law=law.value,
        law_stated=bool(text.get(Field.LAW)),
        tags=tags,
        website=website,
    )
    return row, []


def _duplicate_errors(rows: list[AuthorityRow]) -> tuple[list[AuthorityRow], list[RowError]]:
    """Split off later lines that repeat an earlier body (same GSS code or same name)."""
    first_by_gss: dict[str, AuthorityRow] = {}
    first_by_name: dict[str, AuthorityRow] = {}
    kept, errors = [], []
    for row in rows:
        earlier = first_by_gss.get(row.gss_code or "")
        if earlier:
            reason = f"lines {earlier.line} and {row.line} have the same GSS code {row.gss_code}"
            errors.append(RowError(row.line, reason))
            continue
        earlier = first_by_name.get(row.normalised_name)
        if earlier:
            reason = (
                f"lines {earlier.line} and {row.line} are the same body by name: "
                f"“{earlier.name}” and “{row.name}”"
            )
            errors.append(RowError(row.line, reason))
            continue
        if row.gss_code:
            first_by_gss[row.gss_code] = row
        first_by_name[row.normalised_name] = row
        kept.append(row)
    return kept, errors


def read_authority_csv(
    data: bytes, encoding: Encoding | str = Encoding.AUTO, max_rows: int = DEFAULT_MAX_ROWS
) -> ParsedImport:
    """Read an uploaded CSV of public bodies into valid rows, row errors and file errors."""
    parsed = ParsedImport()
    if not data.strip():
        parsed.file_errors.append("The file is empty: there is no header row and no authorities.")
        return parsed
    problem = _binary_problem(data)
    if problem:
        parsed.file_errors.append(problem)
        return parsed
    encoding = Encoding(encoding)
    text, warning, problem = decode_upload(data, encoding)
    if text is None:
        parsed.file_errors.append(problem or "The file could not be read.")
        return parsed
    parsed.encoding = "windows-1252" if warning or encoding == Encoding.CP1252 else "utf-8"
    parsed.warnings += [warning] if warning else []

    try:
        records = list(_records(text.removeprefix("\ufeff")))
    except csv.Error as error:
        parsed.file_errors.append(f"The file could not be read as CSV: {error}.")
        return parsed
    if not records:
        parsed.file_errors.append("The file is empty: there is no header row and no authorities.")
        return parsed
    (_, header), body = records[0], records[1:]
    if not body:
        parsed.file_errors.append("The file has a header row but no authorities below it.")
        return parsed
    if len(body) > max_rows:
        parsed.file_errors.append(
            f"The file has {len(body):,} rows; the limit is {max_rows:,} — split the file "
            "and import the parts one after another."
        )
        return parsed
    columns = _map_columns(header, parsed)
    if parsed.file_errors:
        return parsed

    rows = []
    for line, record in body:
        row, reasons = _row_from_record(line, record, header, columns)
        parsed.row_errors += [RowError(line, reason) for reason in reasons]
        rows += [row] if row else []
    parsed.rows, duplicates = _duplicate_errors(rows)
    parsed.row_errors = sorted(parsed.row_errors + duplicates, key=lambda error: error.line)
    return parsed


# ---------------------------------------------------------------------------
# The UK councils register (mySociety's uk_local_authorities_current.csv)


@dataclass(frozen=True)
class UkCouncil:
    """One current council from the register, with values in the form they are stored."""

    code: str
    name: str
    short_name: str
    alt_names: str
    gss_code: str | None
    nation: str | None
    region: str
    authority_type: str
    latitude: float | None
    longitude: float | None
    population: int | None
    wdtk_id: int | None
    law: str
    tags: tuple[str, ...]


def _optional_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _optional_int(text: str) -> int | None:
    """Whole numbers the register writes as floats ("54906.0"); blank is None."""
    return round(float(text)) if text.strip() else None


def read_uk_councils(text: str) -> list[UkCouncil]:
    """The register's current councils (`current-authority` is "True"), in file order."""
    councils = []
    for record in csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")):
        if record["current-authority"] != "True":
            continue
        nation = parse_nation(record["nation"])
        authority_type = record["local-authority-type-name"].strip()
        councils.append(
            UkCouncil(
                code=record["local-authority-code"].strip(),
                name=_clean(record["official-name"]),
                short_name=_clean(record["nice-name"]),
                alt_names=record["alt-names"].strip(),
                gss_code=record["gss-code"].strip() or None,
                nation=nation.value if nation else None,
                region=record["region"].strip(),
                authority_type=authority_type,
                latitude=_optional_float(record["lat"]),
                longitude=_optional_float(record["long"]),
                population=_optional_int(record["pop-2020"]),
                wdtk_id=_optional_int(record["wdtk-id"]),
                law=default_law_for(nation).value,
                tags=tuple(dict.fromkeys([slugify_tag(authority_type), "council"])),
            )
        )
    return councils


def name_keys(name: str, short_name: str = "", alt_names: str = "") -> set[str]:
    """Every normalised name a stored body answers to: its name, short name and alt names."""
    names = [name, short_name, *alt_names.split(",")]
    return {normalise_name(n) for n in names if n.strip()}
