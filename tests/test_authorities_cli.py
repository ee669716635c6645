"""`campaign authorities load-uk` and `campaign authorities import`, run as a person would."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from bad_authority_files import BAD_FILES

from campaign.extensions import db
from campaign.models import Authority, AuthorityTag, Event

FIXTURES = Path(__file__).parent / "fixtures" / "authorities"


@pytest.fixture
def cli(app, runner):
    """Run `campaign authorities ...` through the app's registered commands."""
    from campaign.cli import register_commands

    register_commands(app)

    def run(*args: str):
        return runner.invoke(args=["authorities", *args])

    return run


def query(app, statement):
    with app.app_context():
        return db.session.execute(statement).all()


def count(app, model=Authority) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def authority(app, **where) -> Authority:
    with app.app_context():
        found = db.session.scalars(sa.select(Authority).filter_by(**where)).one()
        db.session.expunge(found)
        return found


def tags_of(app, name: str) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                sa.select(AuthorityTag.tag).join(Authority).where(Authority.name == name)
            )
        )


def snapshot(app) -> tuple[list[tuple], int]:
    """Everything an import could change, to prove a refused import changed nothing."""
    with app.app_context():
        bodies = [
            (a.name, a.foi_email, a.law, a.nation, a.authority_type, a.gss_code, *a.tag_names)
            for a in db.session.scalars(sa.select(Authority).order_by(Authority.id))
        ]
        events = db.session.scalar(sa.select(sa.func.count(Event.id)))
    return bodies, events


@pytest.fixture
def bristol(make_authority):
    """A body already stored, which the bad files below would change if they were imported."""
    return make_authority(
        name="Bristol City Council",
        gss_code="E06000023",
        foi_email="old-foi@bristol.gov.uk",
        authority_type="Unitary authority",
    )


# --- load-uk ---------------------------------------------------------------------------------


def test_load_uk_creates_the_397_current_councils(app, cli):
    result = cli("load-uk")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "UK councils: 397 created, 0 updated, 0 unchanged."
    assert count(app) == 397


def test_load_uk_gives_scottish_councils_foisa_and_the_others_foia(app, cli):
    cli("load-uk")
    laws = Counter(query(app, sa.select(Authority.nation == "Scotland", Authority.law)))
    assert laws == {(True, "foisa"): 32, (False, "foia"): 365}


def test_load_uk_keeps_birminghams_location_and_population(app, cli):
    cli("load-uk")
    birmingham = authority(app, code="BIR")
    assert birmingham.name == "Birmingham City Council"
    assert birmingham.short_name == "Birmingham"
    assert birmingham.gss_code == "E08000025"
    assert birmingham.nation == "England"
    assert birmingham.region == "West Midlands"
    assert birmingham.authority_type == "Metropolitan district"
    assert birmingham.latitude == pytest.approx(52.4885, abs=1e-3)
    assert birmingham.longitude == pytest.approx(-1.8748, abs=1e-3)
    assert birmingham.population == 1_140_525
    assert birmingham.wdtk_id == 71
    assert birmingham.foi_email is None
    assert tags_of(app, "Birmingham City Council") == ["council", "metropolitan-district"]


def test_load_uk_tags_each_council_with_its_type(app, cli):
    cli("load-uk")
    assert tags_of(app, "Kent County Council") == ["council", "county"]
    assert "london-borough" in tags_of(app, "London Borough of Camden")


def test_load_uk_twice_changes_nothing_the_second_time(app, cli):
    cli("load-uk")
    before = snapshot(app)[0]
    result = cli("load-uk")
    assert result.output.strip() == "UK councils: 0 created, 0 updated, 397 unchanged."
    assert count(app) == 397
    assert count(app, AuthorityTag) == 397 * 2
    assert snapshot(app)[0] == before


def test_load_uk_keeps_an_foi_email_and_law_a_person_set(app, cli):
    cli("load-uk")
    with app.app_context():
        birmingham = db.session.scalars(sa.select(Authority).filter_by(code="BIR")).one()
        birmingham.foi_email = "foi@birmingham.gov.uk"
        birmingham.law = "eir"
        birmingham.population = 1  # register data: the re-load puts it back
        db.session.commit()
    result = cli("load-uk")
    assert "1 updated" in result.output
    birmingham = authority(app, code="BIR")
    assert (birmingham.foi_email, birmingham.law) == ("foi@birmingham.gov.uk", "eir")
    assert birmingham.population == 1_140_525


def test_load_uk_adopts_a_body_imported_earlier_by_its_gss_code(app, cli, make_authority):
    make_authority(name="Brum", gss_code="E08000025", foi_email="foi@birmingham.gov.uk")
    cli("load-uk")
    assert count(app) == 397
    birmingham = authority(app, gss_code="E08000025")
    assert (birmingham.code, birmingham.name) == ("BIR", "Birmingham City Council")
    assert birmingham.foi_email == "foi@birmingham.gov.uk"


def test_load_uk_records_an_event(app, cli):
    cli("load-uk")
    [(kind, detail)] = query(app, sa.select(Event.kind, Event.detail))
    assert kind == "authorities_imported"
    assert detail["created"] == 397


# --- import: good files ----------------------------------------------------------------------


def test_import_creates_bodies_with_their_law_and_nation(app, cli):
    result = cli("import", str(FIXTURES / "good.csv"))
    assert result.exit_code == 0, result.output
    assert "Imported good.csv: 5 created, 0 updated, 0 unchanged, 0 skipped." in result.output
    siar = authority(app, name="Comhairle nan Eilean Siar")
    assert (siar.nation, siar.law, siar.gss_code) == ("Scotland", "foisa", "S12000013")
    bristol = authority(app, name="Bristol City Council")
    assert bristol.foi_email == "FOI@bristol.gov.uk"
    assert bristol.website == "https://www.bristol.gov.uk"
    assert tags_of(app, "Bristol City Council") == ["unitary", "wave-1"]
    assert authority(app, name="Environment Agency").law == "eir"


def test_import_records_who_what_and_which_file(app, cli):
    cli("import", str(FIXTURES / "good.csv"))
    [(kind, user_id, detail)] = query(app, sa.select(Event.kind, Event.user_id, Event.detail))
    assert (kind, user_id) == ("authorities_imported", None)
    assert detail == {
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "filename": "good.csv",
    }


def test_import_of_the_same_file_twice_leaves_everything_unchanged(app, cli):
    cli("import", str(FIXTURES / "good.csv"))
    before = snapshot(app)[0]
    result = cli("import", str(FIXTURES / "good.csv"))
    assert "0 created, 0 updated, 5 unchanged" in result.output
    assert snapshot(app)[0] == before


def test_import_updates_a_body_matched_by_gss_code(app, cli, bristol):
    cli("import", str(FIXTURES / "good.csv"))
    assert count(app) == 5
    assert authority(app, id=bristol).foi_email == "FOI@bristol.gov.uk"


@pytest.mark.parametrize(
    "written",
    ["Birmingham", "BIRMINGHAM CITY COUNCIL", "Birmingham District", "birmingham city council"],
)
def test_import_matches_a_council_by_its_name_short_name_or_alt_name(app, cli, tmp_path, written):
    cli("load-uk")
    path = tmp_path / "emails.csv"
    path.write_text(f"Name,Email\n{written},foi@birmingham.gov.uk\n")
    result = cli("import", str(path))
    assert "0 created, 1 updated" in result.output, result.output
    assert authority(app, code="BIR").foi_email == "foi@birmingham.gov.uk"
    assert count(app) == 397


def test_blank_cells_leave_stored_values_alone(app, cli, tmp_path, bristol):
    path = tmp_path / "types.csv"
    path.write_text("Name,Email,Type,Law\nBristol City Council,,Unitary council,\n")
    cli("import", str(path))
    stored = authority(app, id=bristol)
    assert (stored.foi_email, stored.authority_type, stored.law) == (
        "old-foi@bristol.gov.uk",
        "Unitary council",
        "foia",
    )


def test_import_adds_tags_and_keeps_the_existing_ones(app, cli, tmp_path):
    cli("load-uk")
    path = tmp_path / "tags.csv"
    path.write_text("Name,Tags\nBirmingham City Council,wave-1; big\n")
    cli("import", str(path))
    assert tags_of(app, "Birmingham City Council") == [
        "big",
        "council",
        "metropolitan-district",
        "wave-1",
    ]


def test_name_matching_two_bodies_must_be_settled_with_a_gss_code(
    app, cli, tmp_path, make_authority
):
    make_authority(name="Newport City Council", gss_code="W06000022")
    make_authority(name="Newport Borough Council")
    before = snapshot(app)
    path = tmp_path / "newport.csv"
    path.write_text("Name,Email\nNewport,foi@newport.gov.uk\n")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "Line 2: “Newport” matches 2 authorities by name" in result.output
    assert "add a GSS code column to say which" in result.output
    assert snapshot(app) == before


def test_same_name_with_a_different_gss_code_is_refused(app, cli, tmp_path, bristol):
    before = snapshot(app)
    path = tmp_path / "conflict.csv"
    path.write_text("Name,GSS code\nCity of Bristol,E06000099\n")
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "GSS code is E06000023, not E06000099" in result.output
    assert snapshot(app) == before


def test_dry_run_reports_what_would_happen_and_saves_nothing(app, cli, bristol):
    before = snapshot(app)
    result = cli("import", "--dry-run", str(FIXTURES / "good.csv"))
    assert result.exit_code == 0, result.output
    assert "Dry run, nothing saved: 4 to create, 1 to update, 0 unchanged, 0 invalid." in (
        result.output
    )
    assert snapshot(app) == before


def test_skip_invalid_imports_the_good_rows_and_reports_the_rest(app, cli, bristol):
    result = cli("import", "--skip-invalid", str(FIXTURES / "invalid-emails.csv"))
    assert result.exit_code == 0, result.output
    assert "Line 3: email “not-an-email” is not a valid address" in result.output
    assert "Line 4: email “foi@” is not a valid address" in result.output
    assert "0 created, 1 updated, 0 unchanged, 2 skipped." in result.output
    assert authority(app, id=bristol).foi_email == "new-foi@bristol.gov.uk"


def test_hostile_name_is_stored_as_plain_text(app, cli):
    cli("import", str(FIXTURES / "hostile.csv"))
    assert authority(app, gss_code=None).name == "<script>alert('x')</script> Council"


# --- import: bad files, each refused with a clear message and nothing changed ----------------


@pytest.mark.parametrize(
    ("filename", "encoding", "messages"), BAD_FILES, ids=[case[0] for case in BAD_FILES]
)
def test_bad_file_is_refused_with_a_clear_message_and_changes_nothing(
    app, cli, bristol, filename, encoding, messages
):
    before = snapshot(app)
    result = cli("import", "--encoding", encoding, str(FIXTURES / filename))
    assert result.exit_code == 1
    for message in messages:
        assert message in result.output
    assert "Nothing was imported" in result.output
    assert snapshot(app) == before


def test_utf8_file_with_a_byte_order_mark_just_works(app, cli):
    result = cli("import", str(FIXTURES / "bom.csv"))
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output
    assert authority(app, name="Cyngor Sir Ynys Môn").foi_email == "foi@ynysmon.gov.uk"


def test_windows_1252_file_is_imported_with_a_warning(app, cli, bristol):
    result = cli("import", str(FIXTURES / "windows-1252.csv"))
    assert result.exit_code == 0, result.output
    assert "Warning: The file was read as Windows-1252" in result.output
    assert authority(app, nation="Wales").name == "Cyngor Sir Ynys Môn \u2013 Isle of Anglesey"


def test_fifty_thousand_rows_are_refused_before_anything_is_written(app, cli, tmp_path, bristol):
    path = tmp_path / "huge.csv"
    rows = (f"Body {n},foi@body{n}.gov.uk" for n in range(50_000))
    path.write_text("Name,Email\n" + "\n".join(rows) + "\n")
    before = snapshot(app)
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "The file has 50,000 rows; the limit is 20,000 — split the file" in result.output
    assert snapshot(app) == before


def test_twenty_thousand_rows_import_in_a_few_seconds(app, cli, tmp_path):
    path = tmp_path / "big.csv"
    rows = (
        f"Body {n},foi@body{n}.gov.uk,England,E{n:08d},FOIA,wave-{n % 3}" for n in range(20_000)
    )
    path.write_text("Name,Email,Nation,GSS code,Law,Tags\n" + "\n".join(rows) + "\n")
    started = time.perf_counter()
    result = cli("import", str(path))
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output[:2000]
    assert "20000 created" in result.output
    assert count(app) == 20_000
    assert count(app, AuthorityTag) == 20_000
    assert elapsed < 15, f"20,000 rows took {elapsed:.1f}s"
