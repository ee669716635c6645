"""The authorities pages, used through real forms: the list, the edit form and CSV upload."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from bad_authority_files import BAD_FILES

from campaign.extensions import db
from campaign.models import Authority, AuthorityTag, Event

FIXTURES = Path(__file__).parent / "fixtures" / "authorities"
IMPORT = "/authorities/import"
ROW_ERROR = re.compile(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>")


def text_of(response) -> str:
    """The page as a person reads it, with each row problem also written "Line N: reason"."""
    page = response.get_data(as_text=True)
    problems = [f"Line {line}: {html.unescape(reason)}" for line, reason in ROW_ERROR.findall(page)]
    return " ".join(html.unescape(page).split()) + "\n" + "\n".join(problems)


def snapshot(app) -> tuple[list[tuple], int]:
    """Everything an import or edit could change, to prove a refused one changed nothing."""
    with app.app_context():
        bodies = [
            (a.name, a.foi_email, a.law, a.nation, a.authority_type, a.gss_code, *a.tag_names)
            for a in db.session.scalars(sa.select(Authority).order_by(Authority.id))
        ]
        events = db.session.scalar(sa.select(sa.func.count(Event.id)))
    return bodies, events


def stored(app, authority_id: int) -> Authority:
    with app.app_context():
        authority = db.session.get(Authority, authority_id)
        authority.tag_names  # noqa: B018  (load the tags before leaving the session)
        db.session.expunge(authority)
        return authority


def upload(forms, filename: str, data: bytes | None = None, preview: bool = False, **fields):
    """Send a file through the import form, as the browser does after a person picks one."""
    if data is None:
        data = (FIXTURES / filename).read_bytes()
    payload = {"file": (io.BytesIO(data), filename), "encoding": "auto", **fields}
    payload["preview" if preview else "submit"] = "y"
    return forms.submit(IMPORT, payload, content_type="multipart/form-data")


def add_bodies(app, count: int, **fields) -> None:
    """Many bodies at once, for paging."""
    with app.app_context():
        db.session.add_all(
            Authority(name=f"Body {n:03d}", nation="England", **fields) for n in range(count)
        )
        db.session.commit()


@pytest.fixture
def bodies(app, make_authority):
    """Four bodies across the nations, with and without email, type and tags."""
    ids = {
        "bristol": make_authority(
            name="Bristol City Council",
            gss_code="E06000023",
            authority_type="Unitary authority",
            foi_email="foi@bristol.gov.uk",
        ),
        "glasgow": make_authority(
            name="Glasgow City Council",
            nation="Scotland",
            gss_code="S12000049",
            authority_type="Scottish unitary authority",
            law="foisa",
            foi_email=None,
        ),
        "cardiff": make_authority(
            name="Cardiff Council",
            short_name="Caerdydd",
            nation="Wales",
            gss_code="W06000015",
            authority_type="Welsh unitary authority",
            foi_email="FOI@cardiff.gov.uk",
        ),
        "kent": make_authority(
            name="Kent County Council",
            short_name="Kent",
            gss_code="E10000016",
            authority_type="County",
            foi_email="foi@kent.gov.uk",
        ),
    }
    with app.app_context():
        db.session.add_all(
            [
                AuthorityTag(authority_id=ids["kent"], tag="county"),
                AuthorityTag(authority_id=ids["kent"], tag="wave-1"),
                AuthorityTag(authority_id=ids["bristol"], tag="unitary"),
            ]
        )
        db.session.commit()
    return ids


# --- The list --------------------------------------------------------------------------------


def test_list_shows_each_bodys_nation_type_code_law_and_email(auth, client, bodies):
    auth.login("viewer")
    response = client.get("/authorities/")
    assert response.status_code == 200
    page = text_of(response)
    for column in ("Name", "Nation", "Type", "GSS code", "Law", "FOI email"):
        assert f"<th>{column}</th>" in page
    assert "4 authorities" in page
    assert "Scottish unitary authority" in page and "S12000049" in page
    assert ">FOISA</abbr>" in page and ">FOIA</abbr>" in page
    assert "foi@kent.gov.uk" in page


def test_a_body_without_email_is_marked_missing(auth, client, bodies):
    auth.login("viewer")
    page = text_of(client.get("/authorities/?nation=Scotland"))
    assert '<span class="missing">missing</span>' in page


NAMES = {
    "bristol": "Bristol City Council",
    "glasgow": "Glasgow City Council",
    "cardiff": "Cardiff Council",
    "kent": "Kent County Council",
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nation=Scotland", {"glasgow"}),
        ("nation=England", {"bristol", "kent"}),
        ("type=County", {"kent"}),
        ("email=no", {"glasgow"}),
        ("email=yes", {"bristol", "cardiff", "kent"}),
        ("tag=wave-1", {"kent"}),
        ("q=bristol", {"bristol"}),
        ("q=KENT", {"kent"}),
        ("q=caerdydd", {"cardiff"}),
        ("q=s12000049", {"glasgow"}),
        ("q=cardiff.gov", {"cardiff"}),
        ("q=city+council", {"bristol", "glasgow"}),
        ("q=%25", set()),
        ("nation=England&email=yes&tag=county", {"kent"}),
        ("", {"bristol", "glasgow", "cardiff", "kent"}),
    ],
)
def test_filters_narrow_the_list(auth, client, bodies, query, expected):
    auth.login("viewer")
    page = text_of(client.get(f"/authorities/?{query}"))
    shown = {key for key, name in NAMES.items() if name in page}
    assert shown == expected


def test_filtered_count_says_how_many_match(auth, client, bodies):
    auth.login("viewer")
    assert "2 authorities match these filters" in text_of(
        client.get("/authorities/?email=yes&nation=England")
    )
    assert "No authorities match these filters" in text_of(client.get("/authorities/?q=zzz"))


def test_type_and_tag_filters_offer_the_stored_values(auth, client, bodies):
    auth.login("viewer")
    page = text_of(client.get("/authorities/"))
    assert '<option value="Welsh unitary authority">' in page
    assert '<option value="wave-1">' in page


def test_list_pages_by_fifty_with_a_count(app, auth, client):
    add_bodies(app, 120)
    auth.login("viewer")
    first = text_of(client.get("/authorities/"))
    assert "120 authorities · showing 1\u201350" in first
    assert "Body 049" in first and "Body 050" not in first
    assert "Page 1 of 3" in first
    last = text_of(client.get("/authorities/?page=3"))
    assert "showing 101\u2013120" in last and "Body 119" in last and "Body 099" not in last


def test_page_links_keep_the_filters(app, auth, client, make_authority):
    add_bodies(app, 60, authority_type="County")
    make_authority(name="Other Council", authority_type="Non-metropolitan district")
    auth.login("viewer")
    page = client.get("/authorities/?type=County&email=no").get_data(as_text=True)
    assert "60 authorities match these filters" in page
    [next_link] = re.findall(r'rel="next" href="([^"]+)"', page)
    assert set(html.unescape(next_link).split("?")[1].split("&")) == {
        "page=2",
        "type=County",
        "email=no",
    }


def test_page_beyond_the_last_shows_the_last(app, auth, client):
    add_bodies(app, 60)
    auth.login("viewer")
    assert "Page 2 of 2" in text_of(client.get("/authorities/?page=99"))


def test_empty_list_says_how_to_load_councils(auth, client):
    auth.login("editor")
    page = text_of(client.get("/authorities/"))
    assert "No authorities yet" in page and "campaign authorities load-uk" in page


# --- Roles -----------------------------------------------------------------------------------


def test_viewer_sees_no_edit_or_import_links(auth, client, bodies):
    auth.login("viewer")
    page = client.get("/authorities/").get_data(as_text=True)
    assert "/edit" not in page
    assert IMPORT not in page


@pytest.mark.parametrize("role", ["editor", "owner"])
def test_editors_and_owners_see_edit_and_import_links(auth, client, bodies, role):
    auth.login(role)
    page = client.get("/authorities/").get_data(as_text=True)
    assert f'href="/authorities/{bodies["kent"]}/edit"' in page
    assert f'href="{IMPORT}"' in page


def test_viewer_cannot_open_the_edit_or_import_forms(auth, client, bodies):
    auth.login("viewer")
    assert client.get(f"/authorities/{bodies['kent']}/edit").status_code == 403
    assert client.get(IMPORT).status_code == 403


def test_viewer_cannot_edit_a_body(app, auth, client, forms, bodies):
    auth.login("viewer")
    before = snapshot(app)
    token = forms.token("/authorities/")
    response = client.post(
        f"/authorities/{bodies['glasgow']}/edit",
        data={"csrf_token": token, "foi_email": "foi@glasgow.gov.uk", "law": "foisa"},
    )
    assert response.status_code == 403
    assert "Not allowed" in text_of(response)
    assert snapshot(app) == before


def test_viewer_cannot_import(app, auth, client, forms, bodies):
    auth.login("viewer")
    before = snapshot(app)
    token = forms.token("/authorities/")
    data = (FIXTURES / "good.csv").read_bytes()
    response = client.post(
        IMPORT,
        data={"csrf_token": token, "file": (io.BytesIO(data), "good.csv"), "submit": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert snapshot(app) == before


# --- Editing a body --------------------------------------------------------------------------


def test_edit_form_shows_the_stored_values(auth, client, bodies):
    auth.login("editor")
    page = text_of(client.get(f"/authorities/{bodies['kent']}/edit"))
    assert 'value="foi@kent.gov.uk"' in page
    assert 'value="county, wave-1"' in page
    assert '<option selected value="foia">' in page


@pytest.mark.parametrize("role", ["editor", "owner"])
def test_editor_sets_a_bodys_email_law_type_and_tags(app, auth, client, forms, bodies, role):
    auth.login(role)
    url = f"/authorities/{bodies['glasgow']}/edit"
    response = forms.submit(
        url,
        {
            "foi_email": " FOI@Glasgow.GOV.UK ",
            "law": "eir",
            "authority_type": "Scottish  council",
            "tags": "Wave 2; big, wave 2",
        },
    )
    assert response.status_code == 302
    assert "Saved Glasgow City Council." in text_of(client.get(response.location))
    glasgow = stored(app, bodies["glasgow"])
    assert (glasgow.foi_email, glasgow.law, glasgow.authority_type) == (
        "FOI@glasgow.gov.uk",
        "eir",
        "Scottish council",
    )
    assert glasgow.tag_names == ["big", "wave-2"]
    with app.app_context():
        event = db.session.scalars(sa.select(Event)).one()
        assert (event.kind, event.detail["authority_id"]) == ("authority_edited", bodies["glasgow"])
        assert event.user_id is not None


def test_edit_removes_tags_left_out(app, auth, forms, bodies):
    auth.login("editor")
    forms.submit(
        f"/authorities/{bodies['kent']}/edit",
        {
            "foi_email": "foi@kent.gov.uk",
            "law": "foia",
            "authority_type": "County",
            "tags": "county",
        },
    )
    assert stored(app, bodies["kent"]).tag_names == ["county"]


def test_clearing_the_email_marks_it_missing(app, auth, forms, bodies):
    auth.login("editor")
    forms.submit(
        f"/authorities/{bodies['kent']}/edit",
        {"foi_email": "", "law": "foia", "authority_type": "County", "tags": ""},
    )
    assert stored(app, bodies["kent"]).foi_email is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"foi_email": "not-an-email"}, "Email “not-an-email” is not a valid address"),
        ({"foi_email": "foi@"}, "Email “foi@” is not a valid address"),
        ({"foi_email": "x" * 250 + "@kent.gov.uk"}, "Field cannot be longer than 254 characters"),
        ({"law": "gdpr"}, "Not a valid choice"),
        ({"authority_type": "t" * 65}, "Field cannot be longer than 64 characters"),
        ({"tags": "t" * 70}, "Each tag must be at most 64 characters"),
    ],
)
def test_invalid_edit_shows_the_error_and_saves_nothing(app, auth, forms, bodies, fields, message):
    auth.login("editor")
    before = snapshot(app)
    valid = {"foi_email": "new@kent.gov.uk", "law": "foia", "authority_type": "County", "tags": ""}
    response = forms.submit(f"/authorities/{bodies['kent']}/edit", {**valid, **fields})
    assert response.status_code == 400
    assert message in text_of(response)
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_edit_without_the_form_token_is_refused(app, auth, client, bodies):
    auth.login("editor")
    before = snapshot(app)
    response = client.post(
        f"/authorities/{bodies['kent']}/edit",
        data={"foi_email": "evil@attacker.example", "law": "foia"},
    )
    assert response.status_code == 400
    assert "Form expired" in text_of(response)
    assert snapshot(app) == before


def test_editing_an_unknown_body_is_not_found(auth, client):
    auth.login("editor")
    assert client.get("/authorities/999/edit").status_code == 404


# --- Importing through the upload form -------------------------------------------------------


def test_import_form_creates_bodies_and_reports_counts(app, auth, forms):
    auth.login("editor")
    response = upload(forms, "good.csv")
    assert response.status_code == 200
    page = text_of(response)
    assert "Imported good.csv" in page
    assert "5 created, 0 updated, 0 unchanged, 0 skipped." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Authority.id))) == 5
        siar = db.session.scalars(sa.select(Authority).filter_by(gss_code="S12000013")).one()
        assert siar.law == "foisa"
        event = db.session.scalars(sa.select(Event)).one()
        assert event.kind == "authorities_imported"
        assert event.user_id is not None
        assert event.detail["filename"] == "good.csv" and event.detail["created"] == 5


def test_import_form_updates_a_body_matched_by_gss_code(app, auth, forms, bodies):
    auth.login("owner")
    page = text_of(upload(forms, "good.csv"))
    assert "3 created, 2 updated" in page
    assert stored(app, bodies["bristol"]).foi_email == "FOI@bristol.gov.uk"
    assert stored(app, bodies["cardiff"]).foi_email == "foi@cardiff.gov.uk"


def test_preview_shows_what_would_happen_and_saves_nothing(app, auth, forms, bodies):
    auth.login("editor")
    before = snapshot(app)
    response = upload(forms, "good.csv", preview=True)
    assert response.status_code == 200
    page = text_of(response)
    assert "Check of good.csv: nothing saved" in page
    assert "It would create 3, update 2 and leave 0 unchanged" in page
    assert "<td>create</td> <td>Comhairle nan Eilean Siar</td> <td>foi@cne-siar.gov.uk</td>" in page
    assert "<td>update</td> <td>Bristol City Council</td> <td>FOI email, website, tags</td>" in page
    assert snapshot(app) == before


def test_preview_of_a_bad_file_lists_its_problems(app, auth, forms, bodies):
    auth.login("editor")
    before = snapshot(app)
    page = text_of(upload(forms, "invalid-emails.csv", preview=True))
    assert "Line 3: email “not-an-email” is not a valid address" in page
    assert "An import would save nothing" in page
    assert snapshot(app) == before


def test_skip_invalid_box_imports_the_good_rows(app, auth, forms, bodies):
    auth.login("editor")
    response = upload(forms, "invalid-emails.csv", skip_invalid="y")
    assert response.status_code == 200
    page = text_of(response)
    assert "0 created, 1 updated, 0 unchanged, 2 skipped." in page
    assert "Line 4: email “foi@” is not a valid address" in page
    assert stored(app, bodies["bristol"]).foi_email == "new-foi@bristol.gov.uk"


@pytest.mark.parametrize(
    ("filename", "encoding", "messages"), BAD_FILES, ids=[case[0] for case in BAD_FILES]
)
def test_bad_upload_is_refused_with_a_clear_message_and_changes_nothing(
    app, auth, forms, bodies, filename, encoding, messages
):
    auth.login("editor")
    before = snapshot(app)
    response = upload(forms, filename, encoding=encoding)
    assert response.status_code == 400
    page = text_of(response)
    assert f"Nothing was imported from {filename}" in page
    for message in messages:
        assert message in page
    assert snapshot(app) == before


def test_upload_with_a_byte_order_mark_just_works(app, auth, forms):
    auth.login("editor")
    page = text_of(upload(forms, "bom.csv"))
    assert "1 created" in page and "Warning" not in page
    assert "read as Windows-1252" not in page


def test_windows_1252_upload_is_imported_with_a_warning(app, auth, client, forms):
    auth.login("editor")
    page = text_of(upload(forms, "windows-1252.csv"))
    assert "2 created" in page
    assert "The file was read as Windows-1252 because it is not valid UTF-8" in page
    assert "Cyngor Sir Ynys Môn \u2013 Isle of Anglesey" in text_of(client.get("/authorities/"))


def test_fifty_thousand_row_upload_is_refused(app, auth, forms, bodies):
    auth.login("editor")
    before = snapshot(app)
    rows = "\n".join(f"Body {n},foi@body{n}.gov.uk" for n in range(50_000))
    response = upload(forms, "huge.csv", f"Name,Email\n{rows}\n".encode())
    assert response.status_code == 400
    assert "The file has 50,000 rows; the limit is 20,000 — split the file" in text_of(response)
    assert snapshot(app) == before


def test_upload_bigger_than_the_limit_gets_the_413_page(app, auth, forms, bodies):
    auth.login("editor")
    app.config["MAX_CONTENT_LENGTH"] = 4 * 1024 * 1024
    before = snapshot(app)
    rows = "\n".join(f"Body {n},foi@body{n}.gov.uk" for n in range(200_000))
    response = upload(forms, "big.csv", f"Name,Email\n{rows}\n".encode())
    assert response.status_code == 413
    assert "File too large" in text_of(response)
    assert "limited to 4 MB" in text_of(response)
    assert snapshot(app) == before


def test_upload_without_a_file_asks_for_one(auth, forms):
    auth.login("editor")
    response = forms.submit(IMPORT, {"encoding": "auto", "submit": "y"})
    assert response.status_code == 400
    assert "Choose a CSV file to import." in text_of(response)


def test_upload_without_the_form_token_is_refused(app, auth, client, bodies):
    auth.login("editor")
    before = snapshot(app)
    data = (FIXTURES / "good.csv").read_bytes()
    response = client.post(
        IMPORT,
        data={"file": (io.BytesIO(data), "good.csv"), "submit": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Form expired" in text_of(response)
    assert snapshot(app) == before


def test_hostile_name_is_shown_escaped(app, auth, client, forms):
    auth.login("editor")
    report = upload(forms, "hostile.csv").get_data(as_text=True)
    listing = client.get("/authorities/").get_data(as_text=True)
    for page in (report, listing):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Council" in page
