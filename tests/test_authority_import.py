"""Reading CSVs of public authorities: plain bytes in, rows and line-numbered problems out."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign.config import PROJECT_ROOT
from campaign.domain.authority_import import (
    Field,
    looks_like_formula,
    name_keys,
    nation_from_gss,
    parse_nation,
    read_authority_csv,
    read_email,
    read_uk_councils,
    split_tags,
)

FIXTURES = Path(__file__).parent / "fixtures" / "authorities"


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    """A small CSV file from its lines, the header first."""
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def read(*lines: str, **options):
    return read_authority_csv(csv_bytes(*lines), **options)


def only_row(*lines: str):
    parsed = read(*lines)
    assert parsed.ok, (parsed.file_errors, parsed.row_errors)
    assert len(parsed.rows) == 1
    return parsed.rows[0]


def reasons(parsed) -> list[tuple[int, str]]:
    return [(error.line, error.reason) for error in parsed.row_errors]


# --- Headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Name", "Authority", "Authority name", "Body", "Public body", "Organisation", "NAME"],
)
def test_name_column_is_found_under_its_usual_headers(header):
    assert only_row(f"{header},Email", "Bristol City Council,foi@bristol.gov.uk").name == (
        "Bristol City Council"
    )


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Email", Field.EMAIL),
        ("E-mail", Field.EMAIL),
        ("FOI email", Field.EMAIL),
        ("FOI e-mail address", Field.EMAIL),
        ("Request email", Field.EMAIL),
        ("  foi_E-MAIL  address ", Field.EMAIL),
        ("Nation", Field.NATION),
        ("Country", Field.NATION),
        ("Type", Field.TYPE),
        ("Authority type", Field.TYPE),
        ("Body type", Field.TYPE),
        ("GSS", Field.GSS),
        ("GSS code", Field.GSS),
        ("ONS code", Field.GSS),
        ("Law", Field.LAW),
        ("Regime", Field.LAW),
        ("Legislation", Field.LAW),
        ("Tags", Field.TAGS),
        ("Website", Field.WEBSITE),
    ],
)
def test_headers_match_ignoring_case_spaces_and_punctuation(header, field):
    parsed = read(f"Name,{header}", "Bristol City Council,")
    assert parsed.columns[field] == header.strip()


def test_file_without_a_name_column_lists_the_headers_found_and_expected():
    parsed = read_authority_csv((FIXTURES / "missing-name-column.csv").read_bytes())
    assert parsed.rows == []
    [problem] = parsed.file_errors
    assert "no name column" in problem
    assert "“Email”, “Nation”, “Type”" in problem
    assert "“Authority name”" in problem and "“Public body”" in problem


def test_two_columns_for_the_same_field_is_a_file_error():
    parsed = read("Name,Email,FOI email", "Bristol,a@bristol.gov.uk,b@bristol.gov.uk")
    assert parsed.file_errors == [
        "Two columns hold the email: “Email” (column 2) and “FOI email” (column 3). "
        "Delete or rename one of them."
    ]


def test_unknown_columns_are_ignored_with_a_warning():
    parsed = read("Name,Phone,Notes", "Bristol City Council,0117,ring first")
    assert parsed.ok
    assert parsed.warnings == ["Columns not used by the import were ignored: “Phone”, “Notes”."]


def test_semicolon_separated_file_from_european_excel_is_read():
    row = only_row("Name;Email;Nation", "Bristol City Council;foi@bristol.gov.uk;England")
    assert (row.name, row.foi_email, row.nation) == (
        "Bristol City Council",
        "foi@bristol.gov.uk",
        "England",
    )


# --- Values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "nation"),
    [
        ("England", "England"),
        ("ENG", "England"),
        ("english", "England"),
        ("Wales", "Wales"),
        ("WLS", "Wales"),
        ("Cymru", "Wales"),
        ("Scotland", "Scotland"),
        ("SCT", "Scotland"),
        ("Scot", "Scotland"),
        ("Northern Ireland", "Northern Ireland"),
        ("NI", "Northern Ireland"),
        ("N. Ireland", "Northern Ireland"),
        ("northern-ireland", "Northern Ireland"),
        ("France", None),
        ("UK", None),
    ],
)
def test_nation_is_read_as_people_write_it(written, nation):
    assert parse_nation(written) == nation


@pytest.mark.parametrize(
    ("gss", "nation", "law"),
    [
        ("E06000023", "England", "foia"),
        ("W06000015", "Wales", "foia"),
        ("S12000013", "Scotland", "foisa"),
        ("N09000003", "Northern Ireland", "foia"),
        ("K04000001", None, "foia"),
    ],
)
def test_blank_nation_comes_from_the_gss_code_and_sets_the_default_law(gss, nation, law):
    row = only_row("Name,GSS code,Nation,Law", f"Some Council,{gss},,")
    assert (row.nation, row.law, row.law_stated) == (nation, law, False)
    assert nation_from_gss(gss) == nation


@pytest.mark.parametrize(
    ("written", "law"),
    [
        ("FOIA", "foia"),
        ("FOI(S)A", "foisa"),
        ("FOISA 2002", "foisa"),
        ("EIRs", "eir"),
        ("eir", "eir"),
    ],
)
def test_stated_law_is_read_through_parse_law(written, law):
    row = only_row("Name,Nation,Law", f"Some Council,Scotland,{written}")
    assert (row.law, row.law_stated) == (law, True)


def test_unknown_law_is_a_row_error():
    parsed = read("Name,Law", "Some Council,GDPR")
    assert reasons(parsed) == [(2, "law “GDPR” is not FOIA, FOISA or EIR")]


def test_unknown_nation_is_a_row_error():
    parsed = read("Name,Nation", "Some Council,Atlantis")
    assert reasons(parsed) == [
        (2, "nation “Atlantis” is not England, Wales, Scotland or Northern Ireland")
    ]


def test_nation_that_contradicts_the_gss_code_is_a_row_error():
    parsed = read("Name,Nation,GSS", "Bristol City Council,Wales,E06000023")
    assert reasons(parsed) == [(2, "nation is Wales but GSS code E06000023 is in England")]


@pytest.mark.parametrize("gss", ["E0600002", "E060000233", "X06000023", "E06OOOO23", "06000023"])
def test_malformed_gss_code_is_a_row_error(gss):
    parsed = read("Name,GSS code", f"Some Council,{gss}")
    [(line, reason)] = reasons(parsed)
    assert line == 2
    assert reason.startswith(f"GSS code “{gss}” should be E, N, S, W or K and 8 digits")


def test_gss_code_is_upper_cased_and_trimmed():
    assert only_row("Name,GSS code", "Bristol City Council, e06000023 ").gss_code == "E06000023"


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("FOI@Bristol.GOV.UK", "FOI@bristol.gov.uk"),
        (" foi@bristol.gov.uk ", "foi@bristol.gov.uk"),
        ("info@cne-siar.gov.uk", "info@cne-siar.gov.uk"),
    ],
)
def test_email_domain_is_lower_cased(written, stored):
    assert read_email(written) == (stored, None)


@pytest.mark.parametrize(
    "written", ["not-an-email", "foi@", "@bristol.gov.uk", "foi@@bristol.gov.uk", "foi bristol"]
)
def test_invalid_email_is_rejected_with_the_address_in_the_reason(written):
    address, problem = read_email(written)
    assert address is None
    assert problem.startswith(f"email “{written}” is not a valid address")


def test_invalid_emails_are_reported_per_line_and_the_good_rows_kept():
    parsed = read_authority_csv((FIXTURES / "invalid-emails.csv").read_bytes())
    assert [row.line for row in parsed.rows] == [2]
    assert [line for line, _ in reasons(parsed)] == [3, 4]
    assert "“not-an-email” is not a valid address" in reasons(parsed)[0][1]


def test_blank_email_is_allowed_and_stored_as_missing():
    assert only_row("Name,Email", "Some Council,").foi_email is None


def test_tags_are_split_on_semicolons_and_commas_and_slugified():
    assert split_tags("County; wave 2, London borough;;county") == [
        "county",
        "wave-2",
        "london-borough",
    ]
    row = only_row("Name,Tags", 'Some Council,"Police; Wave 1"')
    assert row.tags == ("police", "wave-1")


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("www.bristol.gov.uk", "https://www.bristol.gov.uk"),
        ("http://a.example", "http://a.example"),
    ],
)
def test_website_gets_a_scheme_when_missing(written, stored):
    assert only_row("Name,Website", f"Some Council,{written}").website == stored


def test_website_with_another_scheme_is_rejected():
    parsed = read("Name,Website", "Some Council,javascript:alert(1)")
    assert reasons(parsed) == [
        (2, "website “javascript:alert(1)” must start with http:// or https://")
    ]


def test_hostile_text_in_a_name_is_kept_as_text():
    row = only_row("Name", "\"<script>alert('x')</script> Council\"")
    assert row.name == "<script>alert('x')</script> Council"


def test_spaces_inside_a_name_are_collapsed():
    assert only_row("Name", "  Bristol   City\tCouncil ").name == "Bristol City Council"


# --- Formula injection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil","x")',
        "+44 117 922 2000",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\tfoo",
        "\rfoo",
        " =1+1",
    ],
)
def test_cells_a_spreadsheet_would_run_are_formulas(cell):
    assert looks_like_formula(cell)


@pytest.mark.parametrize("cell", ["Bristol City Council", "-1.874802", "+44", "52.48", "a=b"])
def test_plain_text_and_numbers_are_not_formulas(cell):
    assert not looks_like_formula(cell)


def test_row_with_a_formula_cell_is_rejected():
    parsed = read_authority_csv((FIXTURES / "formula.csv").read_bytes())
    assert [row.name for row in parsed.rows] == ["Bristol City Council"]
    [(line, reason)] = reasons(parsed)
    assert line == 3
    assert "looks like a spreadsheet formula" in reason


def test_formula_in_an_ignored_column_still_rejects_the_row():
    parsed = read("Name,Notes", "Some Council,\"=cmd|' /C calc'!A0\"")
    assert "“Notes” cell looks like a spreadsheet formula" in reasons(parsed)[0][1]


# --- Encodings and file types ----------------------------------------------------------------


def test_utf8_byte_order_mark_is_dropped_and_the_header_recognised():
    parsed = read_authority_csv((FIXTURES / "bom.csv").read_bytes())
    assert parsed.ok and parsed.warnings == []
    assert parsed.columns[Field.NAME] == "Authority name"
    assert parsed.rows[0].name == "Cyngor Sir Ynys Môn"


def test_windows_1252_file_is_read_with_a_warning_in_auto_mode():
    parsed = read_authority_csv((FIXTURES / "windows-1252.csv").read_bytes())
    assert parsed.ok
    assert parsed.rows[1].name == "Cyngor Sir Ynys Môn \u2013 Isle of Anglesey"
    [warning] = parsed.warnings
    assert warning.startswith("The file was read as Windows-1252 because it is not valid UTF-8")
    assert "0xF4 on line 3" in warning
    assert parsed.encoding == "windows-1252"


def test_forcing_utf8_on_a_windows_1252_file_names_the_line_and_byte():
    parsed = read_authority_csv((FIXTURES / "windows-1252.csv").read_bytes(), encoding="utf-8")
    assert parsed.rows == []
    [problem] = parsed.file_errors
    assert problem.startswith("The file is not valid UTF-8: it has the byte 0xF4 on line 3 (byte")
    assert "Windows-1252" in problem


def test_forcing_windows_1252_reads_without_a_warning():
    parsed = read_authority_csv((FIXTURES / "windows-1252.csv").read_bytes(), encoding="cp1252")
    assert parsed.ok and parsed.warnings == []
    assert parsed.rows[1].name.startswith("Cyngor Sir Ynys Môn")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Name,Email\n\x00\x01\x02binary", "not a CSV text file: it contains binary data"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not a CSV text file: it looks like an Excel workbook"),
        (b"%PDF-1.7\n%\xe2\xe3", "not a CSV text file: it looks like a PDF"),
        ("Name\r\nBristol\r\n".encode("utf-16"), "UTF-16 text"),
    ],
    ids=["nul-bytes", "xlsx", "pdf", "utf-16"],
)
def test_binary_files_are_not_csv_text(data, expected):
    parsed = read_authority_csv(data)
    assert parsed.rows == []
    assert expected in parsed.file_errors[0]


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n  ", b"\xef\xbb\xbf"])
def test_empty_file_is_a_file_error(data):
    assert read_authority_csv(data).file_errors == [
        "The file is empty: there is no header row and no authorities."
    ]


def test_header_only_file_is_a_file_error():
    parsed = read_authority_csv((FIXTURES / "header-only.csv").read_bytes())
    assert parsed.file_errors == ["The file has a header row but no authorities below it."]


# --- Rows ------------------------------------------------------------------------------------


def test_rows_with_the_wrong_number_of_cells_are_rejected():
    parsed = read_authority_csv((FIXTURES / "wrong-columns.csv").read_bytes())
    assert [row.line for row in parsed.rows] == [2]
    assert reasons(parsed) == [
        (
            3,
            "has 2 cells but the header has 3 columns "
            "(a comma inside a name needs the name in double quotes)",
        ),
        (
            4,
            "has 4 cells but the header has 3 columns "
            "(a comma inside a name needs the name in double quotes)",
        ),
    ]


def test_trailing_empty_cells_are_not_extra_columns():
    assert only_row("Name,Email", "Some Council,foi@some.gov.uk,,,").name == "Some Council"


def test_over_long_name_and_email_are_rejected_with_their_length():
    parsed = read_authority_csv((FIXTURES / "long-cells.csv").read_bytes())
    assert reasons(parsed) == [
        (3, "the name is 209 characters long; the limit is 200"),
        (4, "email is 311 characters long; the limit is 254"),
    ]


def test_blank_name_is_a_row_error():
    assert reasons(read("Name,Email", ",foi@somewhere.gov.uk")) == [(2, "the name is blank")]


def test_every_problem_of_a_row_is_reported():
    parsed = read("Name,Email,Law", ",nope,GDPR")
    assert [reason for _, reason in reasons(parsed)] == [
        "the name is blank",
        "email “nope” is not a valid address: An email address must have an @-sign.",
        "law “GDPR” is not FOIA, FOISA or EIR",
    ]


def test_line_numbers_are_physical_lines_counting_blank_lines_and_multi_line_cells():
    parsed = read(
        "Name,Email",
        "Bristol City Council,foi@bristol.gov.uk",
        "",
        '"Leeds City',
        'Council",foi@leeds.gov.uk',
        "York Council,broken",
    )
    assert [row.line for row in parsed.rows] == [2, 4]
    assert parsed.rows[1].name == "Leeds City Council"
    assert [line for line, _ in reasons(parsed)] == [6]


def test_duplicate_bodies_in_one_file_name_both_lines():
    parsed = read_authority_csv((FIXTURES / "duplicates.csv").read_bytes())
    assert [row.line for row in parsed.rows] == [2, 3]
    assert reasons(parsed) == [
        (4, "lines 2 and 4 have the same GSS code E06000023"),
        (5, "lines 3 and 5 are the same body by name: “Leeds City Council” and “City of Leeds”"),
    ]


def test_too_many_rows_is_a_file_error_saying_to_split_the_file():
    lines = ["Name,Email"] + [f"Body {n},foi@body{n}.gov.uk" for n in range(50_000)]
    parsed = read(*lines)
    assert parsed.rows == []
    assert parsed.file_errors == [
        "The file has 50,000 rows; the limit is 20,000 — split the file and import the parts "
        "one after another."
    ]


def test_row_limit_is_a_setting():
    parsed = read("Name", "One", "Two", "Three", max_rows=2)
    assert parsed.file_errors[0].startswith("The file has 3 rows; the limit is 2 — split the file")


def test_good_file_reads_every_row_with_normalised_values():
    parsed = read_authority_csv((FIXTURES / "good.csv").read_bytes())
    assert parsed.ok and parsed.warnings == []
    by_name = {row.name: row for row in parsed.rows}
    bristol = by_name["Bristol City Council"]
    assert (bristol.foi_email, bristol.nation, bristol.gss_code, bristol.law) == (
        "FOI@bristol.gov.uk",
        "England",
        "E06000023",
        "foia",
    )
    assert bristol.tags == ("unitary", "wave-1")
    assert by_name["Comhairle nan Eilean Siar"].law == "foisa"
    assert by_name["Environment Agency"].law == "eir"
    assert by_name["Police Service of Northern Ireland"].nation == "Northern Ireland"


# --- The UK councils register ----------------------------------------------------------------


@pytest.fixture(scope="module")
def uk_councils():
    text = (PROJECT_ROOT / "campaign" / "data" / "uk_local_authorities_current.csv").read_text()
    return {council.code: council for council in read_uk_councils(text)}


def test_register_has_397_current_councils(uk_councils):
    assert len(uk_councils) == 397


def test_register_scottish_councils_answer_under_foisa(uk_councils):
    laws = {(c.nation == "Scotland", c.law) for c in uk_councils.values()}
    assert laws == {(True, "foisa"), (False, "foia")}


def test_register_keeps_birminghams_reference_values(uk_councils):
    birmingham = uk_councils["BIR"]
    assert birmingham.name == "Birmingham City Council"
    assert birmingham.short_name == "Birmingham"
    assert birmingham.gss_code == "E08000025"
    assert birmingham.authority_type == "Metropolitan district"
    assert birmingham.population == 1_140_525
    assert birmingham.wdtk_id == 71
    assert birmingham.latitude == pytest.approx(52.4885, abs=1e-3)
    assert birmingham.longitude == pytest.approx(-1.8748, abs=1e-3)
    assert birmingham.tags == ("metropolitan-district", "council")


def test_register_wdtk_id_written_as_a_float_becomes_a_whole_number(uk_councils):
    assert uk_councils["ABC"].wdtk_id == 54906


def test_register_blank_population_is_none(uk_councils):
    assert any(council.population is None for council in uk_councils.values())


def test_name_keys_cover_short_and_alternative_names():
    keys = name_keys("Birmingham City Council", "Birmingham", "birmingham district,Brum")
    assert keys == {"birmingham", "brum"}
