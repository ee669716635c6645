"""Authorities in the database: loading the UK councils, importing CSVs, listing and editing.

Imports are planned in memory against every stored body (one query), then written in one
transaction with bulk statements, so 20,000 rows take seconds, not minutes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from typing import Any

import sqlalchemy as sa

from campaign.domain.authority_import import (
    DEFAULT_MAX_ROWS,
    AuthorityRow,
    Encoding,
    ParsedImport,
    RowError,
    UkCouncil,
    name_keys,
    read_authority_csv,
    read_uk_councils,
)
from campaign.domain.law import LawCode
from campaign.domain.names import normalise_name
from campaign.extensions import db
from campaign.models import Authority, AuthorityTag, Event
from campaign.services.paging import PageNumbers

UK_COUNCILS_FILE = "uk_local_authorities_current.csv"
PER_PAGE = 50
IMPORTED = "authorities_imported"
EDITED = "authority_edited"

# Columns an import may change on a body it matched; blank cells leave stored values alone.
UPDATABLE = ("foi_email", "authority_type", "nation", "law", "gss_code", "website")
# Columns the UK register owns; a person's FOI email and law are never touched by a re-load.
REGISTER_COLUMNS = (
    "name",
    "short_name",
    "alt_names",
    "gss_code",
    "nation",
    "region",
    "authority_type",
    "latitude",
    "longitude",
    "population",
    "wdtk_id",
)


# ---------------------------------------------------------------------------
# The UK councils register


@dataclass(frozen=True)
class LoadCounts:
    created: int
    updated: int
    unchanged: int


def read_uk_register() -> list[UkCouncil]:
    """The current councils from the register shipped inside the package."""
    text = files("campaign").joinpath("data", UK_COUNCILS_FILE).read_text(encoding="utf-8")
    return read_uk_councils(text)


def _match_council(
    council: UkCouncil,
    by_code: dict[str, Authority],
    by_gss: dict[str, Authority],
    by_name: dict[str, Authority],
) -> Authority | None:
    """The stored body for a council: by register code, then GSS code, then (for bodies with
    neither code, e.g. imported from a CSV) by normalised name."""
    return (
        by_code.get(council.code)
        or (by_gss.get(council.gss_code) if council.gss_code else None)
        or by_name.get(normalise_name(council.name))
    )


def load_uk_councils(user_id: int | None = None) -> LoadCounts:
    """Create or refresh every current UK council; safe to run again and again."""
    councils = read_uk_register()
    existing = db.session.scalars(sa.select(Authority)).all()
    by_code = {a.code: a for a in existing if a.code}
    by_gss = {a.gss_code: a for a in existing if a.gss_code}
    by_name = {a.normalised_name: a for a in existing if not a.code and not a.gss_code}
    stored_tags = _tags_by_authority()

    created = updated = 0
    new_tags: list[dict[str, Any]] = []
    try:
        for council in councils:
            values = {column: getattr(council, column) for column in REGISTER_COLUMNS}
            authority = _match_council(council, by_code, by_gss, by_name)
            if authority is None:
                authority = Authority(code=council.code, law=council.law, **values)
                authority.tags = [AuthorityTag(tag=tag) for tag in council.tags]
                db.session.add(authority)
                created += 1
                continue
            changed = _assign(authority, {"code": council.code, **values})
            missing = [t for t in council.tags if t not in stored_tags.get(authority.id, set())]
            new_tags += [{"authority_id": authority.id, "tag": tag} for tag in missing]
            updated += bool(changed or missing)
        if new_tags:
            db.session.execute(sa.insert(AuthorityTag), new_tags)
        counts = LoadCounts(created, updated, len(councils) - created - updated)
        _record(user_id, {**asdict(counts), "filename": UK_COUNCILS_FILE})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts


def _assign(authority: Authority, values: dict[str, Any]) -> bool:
    """Set only the values that differ, so an unchanged row writes nothing."""
    changed = False
    for column, value in values.items():
        if getattr(authority, column) != value:
            setattr(authority, column, value)
            changed = True
    return changed


def _tags_by_authority() -> dict[int, set[str]]:
    tags: dict[int, set[str]] = defaultdict(set)
    for authority_id, tag in db.session.execute(
        sa.select(AuthorityTag.authority_id, AuthorityTag.tag)
    ):
        tags[authority_id].add(tag)
    return tags


def _record(user_id: int | None, detail: dict[str, Any]) -> None:
    db.session.add(Event(kind=IMPORTED, user_id=user_id, detail=detail))


# ---------------------------------------------------------------------------
# Importing a user's CSV


@dataclass(frozen=True)
class StoredBody:
    """What an import needs to know about a body already in the database."""

    id: int
    name: str
    normalised_name: str
    # Normalised short name and alternative names, which also identify the body.
    other_names: frozenset[str]
    gss_code: str | None
    values: dict[str, Any]
    tags: frozenset[str]


@dataclass(frozen=True)
class PlannedChange:
    """What an import does with one valid line: create a body, update one, or leave it be."""

    line: int
    action: str  # "create", "update" or "unchanged"
    name: str
    row: AuthorityRow
    authority_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    new_tags: tuple[str, ...] = ()

    @property
    def changed_fields(self) -> list[str]:
        return list(self.changes) + (["tags"] if self.new_tags else [])


@dataclass
class ImportOutcome:
    """The result of an import or a preview, for the CLI and the upload page to report."""

    parsed: ParsedImport
    filename: str
    planned: list[PlannedChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skip_invalid: bool = False
    dry_run: bool = False
    written: bool = False

    def count(self, action: str) -> int:
        return sum(1 for change in self.planned if change.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def skipped(self) -> int:
        return len({error.line for error in self.errors})

    @property
    def file_errors(self) -> list[str]:
        return self.parsed.file_errors

    @property
    def warnings(self) -> list[str]:
        return self.parsed.warnings

    @property
    def blocked(self) -> bool:
        """True when the file's problems stop the import: nothing is (or would be) written."""
        return bool(self.file_errors) or (bool(self.errors) and not self.skip_invalid)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


def import_authorities(
    data: bytes,
    *,
    filename: str = "",
    encoding: Encoding | str = Encoding.AUTO,
    skip_invalid: bool = False,
    dry_run: bool = False,
    user_id: int | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> ImportOutcome:
    """Validate a CSV of bodies and upsert it in one transaction: all rows, or none.

    With `skip_invalid` the valid rows are written and the others reported; with `dry_run`
    nothing is written and the outcome says what would happen.
    """
    parsed = read_authority_csv(data, encoding=encoding, max_rows=max_rows)
    outcome = ImportOutcome(parsed, filename[:200], skip_invalid=skip_invalid, dry_run=dry_run)
    if parsed.file_errors:
        return outcome
    planned, conflicts = plan_import(parsed.rows, _stored_bodies())
    outcome.planned = planned
    outcome.errors = sorted(parsed.row_errors + conflicts, key=lambda error: error.line)
    if dry_run or outcome.blocked:
        db.session.rollback()  # end the read transaction; nothing was changed
        return outcome
    try:
        _write(planned)
        _record(user_id, {**outcome.counts(), "filename": outcome.filename})
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        parsed.file_errors.append(
            "Another change to the authorities happened at the same time; nothing was "
            "imported. Try again."
        )
        return outcome
    except Exception:
        db.session.rollback()
        raise
    outcome.written = True
    return outcome


def _stored_bodies() -> list[StoredBody]:
    """Every stored body with its tags: two queries, however long the list."""
    tags = _tags_by_authority()
    columns = [getattr(Authority, column) for column in UPDATABLE]
    names = (Authority.name, Authority.normalised_name, Authority.short_name, Authority.alt_names)
    bodies = []
    for row in db.session.execute(sa.select(Authority.id, *names, *columns)):
        other_names = name_keys(row.short_name, alt_names=row.alt_names) - {row.normalised_name}
        bodies.append(
            StoredBody(
                id=row.id,
                name=row.name,
                normalised_name=row.normalised_name,
                other_names=frozenset(other_names),
                gss_code=row.gss_code,
                values={column: getattr(row, column) for column in UPDATABLE},
                tags=frozenset(tags.get(row.id, ())),
            )
        )
    return bodies


class _Matcher:
    """Finds the stored body a row means: by GSS code, else by name, short name or alt name."""

    def __init__(self, bodies: Iterable[StoredBody]) -> None:
        self.by_gss: dict[str, StoredBody] = {}
        self.by_name: dict[str, list[StoredBody]] = defaultdict(list)
        self.by_other_name: dict[str, list[StoredBody]] = defaultdict(list)
        for body in bodies:
            if body.gss_code:
                self.by_gss[body.gss_code] = body
            self.by_name[body.normalised_name].append(body)
            for key in body.other_names:
                self.by_other_name[key].append(body)

    def match(self, row: AuthorityRow) -> tuple[StoredBody | None, str | None]:
        """(body, None), (None, None) for a new body, or (None, reason) when it is unclear."""
        if row.gss_code and row.gss_code in self.by_gss:
            return self.by_gss[row.gss_code], None
        candidates = self.by_name.get(row.normalised_name) or self.by_other_name.get(
            row.normalised_name, []
        )
        unique = list({body.id: body for body in candidates}.values())
        if len(unique) > 1:
            names = "; ".join(f"“{body.name}”" for body in unique[:5])
            return None, (
                f"“{row.name}” matches {len(unique)} authorities by name ({names}); "
                "add a GSS code column to say which"
            )
        if not unique:
            return None, None
        body = unique[0]
        if row.gss_code and body.gss_code and body.gss_code != row.gss_code:
            return None, (
                f"“{row.name}” matches “{body.name}” by name, but that body's GSS code is "
                f"{body.gss_code}, not {row.gss_code}"
            )
        return body, None


def plan_import(
    rows: list[AuthorityRow], bodies: list[StoredBody]
) -> tuple[list[PlannedChange], list[RowError]]:
    """Decide, without writing, what each valid row does; rows that cannot be placed are errors."""
    matcher = _Matcher(bodies)
    claimed: dict[int, int] = {}  # body id -> line that matched it
    planned: list[PlannedChange] = []
    errors: list[RowError] = []
    for row in rows:
        body, problem = matcher.match(row)
        if problem:
            errors.append(RowError(row.line, problem))
            continue
        if body is None:
            planned.append(PlannedChange(row.line, "create", row.name, row, new_tags=row.tags))
            continue
        if body.id in claimed:
            errors.append(
                RowError(
                    row.line,
                    f"“{row.name}” is the same authority (“{body.name}”) "
                    f"as line {claimed[body.id]}",
                )
            )
            continue
        claimed[body.id] = row.line
        changes = _changes(row, body)
        new_tags = tuple(tag for tag in row.tags if tag not in body.tags)
        action = "update" if changes or new_tags else "unchanged"
        planned.append(PlannedChange(row.line, action, body.name, row, body.id, changes, new_tags))
    return planned, errors


def _changes(row: AuthorityRow, body: StoredBody) -> dict[str, Any]:
    """The stored values this row replaces; blank cells and unstated laws change nothing."""
    given = {
        "foi_email": row.foi_email,
        "authority_type": row.authority_type or None,
        "nation": row.nation,
        "law": row.law if row.law_stated else None,
        "gss_code": row.gss_code if not body.gss_code else None,
        "website": row.website or None,
    }
    return {
        column: value
        for column, value in given.items()
        if value is not None and value != body.values[column]
    }


def _write(planned: list[PlannedChange]) -> None:
    """Bulk statements: INSERT the new bodies, UPDATE the changed ones, INSERT the new tags."""
    creates = [change.row for change in planned if change.action == "create"]
    new_ids = _insert_bodies(creates) if creates else {}
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for change in planned:
        if change.action == "update" and change.changes:
            by_columns[tuple(sorted(change.changes))].append(
                {"id": change.authority_id, **change.changes}
            )
    for batch in by_columns.values():
        db.session.execute(sa.update(Authority), batch)
    tags = [
        {"authority_id": change.authority_id or new_ids[change.row.normalised_name], "tag": tag}
        for change in planned
        for tag in change.new_tags
    ]
    if tags:
        db.session.execute(sa.insert(AuthorityTag), tags)


def _insert_bodies(rows: list[AuthorityRow]) -> dict[str, int]:
    """Insert new bodies and return their ids by normalised name.

    A plain multi-row INSERT is several times faster on PostgreSQL than one with RETURNING.
    New bodies' normalised names are unique: the file has no duplicates, and a row whose name
    is a stored body's updates that body instead.
    """
    newest = db.session.scalar(sa.select(sa.func.max(Authority.id))) or 0
    db.session.execute(sa.insert(Authority), [_new_body(row) for row in rows])
    query = sa.select(Authority.normalised_name, Authority.id).where(Authority.id > newest)
    return dict(db.session.execute(query).all())


def _new_body(row: AuthorityRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "normalised_name": row.normalised_name,
        "foi_email": row.foi_email,
        "nation": row.nation,
        "authority_type": row.authority_type,
        "gss_code": row.gss_code,
        "law": row.law,
        "website": row.website,
    }


# ---------------------------------------------------------------------------
# Listing and editing


@dataclass(frozen=True)
class AuthorityFilters:
    """What the list is narrowed to; empty strings mean "any"."""

    search: str = ""
    nation: str = ""
    authority_type: str = ""
    has_email: str = ""  # "yes", "no" or ""
    tag: str = ""


@dataclass(frozen=True)
class AuthorityPage(PageNumbers):
    items: list[Authority]
    total: int
    page: int
    per_page: int


def _filtered(query: sa.Select, filters: AuthorityFilters) -> sa.Select:
    if filters.search.strip():
        text = filters.search.strip()
        query = query.where(
            sa.or_(
                Authority.name.icontains(text, autoescape=True),
                Authority.short_name.icontains(text, autoescape=True),
                Authority.gss_code.icontains(text, autoescape=True),
                Authority.foi_email.icontains(text, autoescape=True),
            )
        )
    if filters.nation:
        query = query.where(Authority.nation == filters.nation)
    if filters.authority_type:
        query = query.where(Authority.authority_type == filters.authority_type)
    if filters.has_email == "yes":
        query = query.where(Authority.foi_email.is_not(None), Authority.foi_email != "")
    elif filters.has_email == "no":
        query = query.where(sa.or_(Authority.foi_email.is_(None), Authority.foi_email == ""))
    if filters.tag:
        tagged = sa.select(AuthorityTag.authority_id).where(AuthorityTag.tag == filters.tag)
        query = query.where(Authority.id.in_(tagged))
    return query


def find_authorities(
    filters: AuthorityFilters, page: int = 1, per_page: int = PER_PAGE
) -> AuthorityPage:
    """One page of the bodies matching the filters, sorted by name, with the total count."""
    total = db.session.scalar(_filtered(sa.select(sa.func.count(Authority.id)), filters)) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    items = db.session.scalars(
        _filtered(sa.select(Authority), filters)
        .order_by(Authority.name, Authority.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return AuthorityPage(list(items), total, page, per_page)


def authority_types() -> list[str]:
    """The types stored, for the filter's choices."""
    query = sa.select(Authority.authority_type).where(Authority.authority_type != "").distinct()
    return sorted(db.session.scalars(query))


def tag_names() -> list[str]:
    """The tags in use, for the filter's choices."""
    return sorted(db.session.scalars(sa.select(AuthorityTag.tag).distinct()))


def get_authority(authority_id: int) -> Authority | None:
    """One body by id, or None; views turn None into a 404 (ids past the database's integer
    range too, which the database would refuse with an error)."""
    if not 0 < authority_id < 2**31:
        return None
    return db.session.get(Authority, authority_id)


def update_authority(
    authority: Authority,
    *,
    foi_email: str | None,
    law: LawCode | str,
    authority_type: str,
    tags: list[str],
    user_id: int | None = None,
) -> list[str]:
    """Save a person's edit of one body; returns the names of the fields that changed."""
    changed = [
        column
        for column, value in (
            ("foi_email", foi_email or None),
            ("law", LawCode(law).value),
            ("authority_type", authority_type),
        )
        if _assign(authority, {column: value})
    ]
    if authority.tag_names != sorted(set(tags)):
        kept = [t for t in authority.tags if t.tag in tags]
        known = {t.tag for t in kept}
        authority.tags = kept + [AuthorityTag(tag=tag) for tag in tags if tag not in known]
        changed.append("tags")
    if changed:
        db.session.add(
            Event(
                kind=EDITED,
                user_id=user_id,
                detail={"authority_id": authority.id, "changed": changed},
            )
        )
    db.session.commit()
    return changed
