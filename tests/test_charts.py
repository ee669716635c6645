"""Chart builders: plain facts in, figures plotly accepts out; empty states; points resolve back."""

from __future__ import annotations

import json
from datetime import date

import plotly.graph_objects as go
import pytest

from campaign import charts
from campaign.charts import CampaignFacts, RequestFacts, UnknownPoint, members

LAUNCH = date(2025, 3, 3)  # a Monday
TODAY = date(2025, 5, 1)
QUESTIONS = [(1, "Systems used"), (2, "Spending")]


def request(
    id: int, status: str = "successful", replied_on: date | None = None, **fields
) -> RequestFacts:
    values = {
        "authority": f"Council {id:03d}",
        "nation": "England",
        "authority_type": "Unitary authority",
        "latitude": 52.0 + id / 100,
        "longitude": -1.5,
        "reference_id": f"FOI{id}",
        "received_on": LAUNCH,
        "due_on": date(2025, 3, 31),
        "replied_on": replied_on,
        "acknowledged": replied_on is not None,
    }
    values.update(fields)
    return RequestFacts(id=id, status=status, **values)


def campaign_facts() -> CampaignFacts:
    requests = [
        request(1, replied_on=date(2025, 3, 10), disclosed=True),  # 5 working days
        request(2, "refused", replied_on=date(2025, 4, 15), chase_stage=2, review_requested=True),
        request(3, "awaiting_response", nation="Scotland", law="foisa"),
        request(4, "delivery_failed", received_on=None, due_on=None, latitude=None),
        request(5, "partially_successful", replied_on=date(2025, 3, 10), disclosed=True),
    ]
    answers = [
        (1, 1, "disclosed"),
        (1, 2, "disclosed"),
        (2, 1, "refused"),
        (2, 2, "refused"),
        (5, 1, "partially_disclosed"),
        (5, 2, "not_held"),
    ]
    counts: dict[int, dict[str, int]] = {}
    for _, position, outcome in answers:
        counts.setdefault(position, {}).setdefault(outcome, 0)
        counts[position][outcome] += 1
    return CampaignFacts(
        launched_on=LAUNCH,
        today=TODAY,
        questions=QUESTIONS,
        requests=requests,
        answers=answers,
        outcome_counts=counts,
        exemptions=[("s43(2)", 1), ("s12", 1)],
        mentions=[("Xantura", "vendor", 2), ("Capita One", "system", 1)],
    )


def empty_facts() -> CampaignFacts:
    return CampaignFacts(launched_on=None, today=TODAY, questions=QUESTIONS, requests=[])


def test_every_chart_is_a_figure_plotly_accepts_and_serialises():
    built = charts.campaign_charts(campaign_facts())
    assert [c.key for c in built] == list(charts.CHART_KEYS)
    for chart in built:
        assert chart.empty is None, chart.key
        assert chart.caption and chart.title
        go.Figure(chart.figure)  # raises on anything plotly does not know
        json.dumps(chart.figure)


def test_every_chart_has_an_empty_state_when_nothing_has_happened():
    for chart in charts.campaign_charts(empty_facts()):
        assert chart.empty, f"{chart.key} has no empty state"
        go.Figure(chart.figure)


def test_funnel_counts_each_stage_and_its_points_list_the_same_requests():
    chart = charts.funnel_chart(campaign_facts())
    trace = chart.figure["data"][0]
    assert dict(zip(trace["customdata"], trace["x"], strict=True)) == {
        "sent": 4,
        "delivered": 4,
        "acknowledged": 3,
        "answered": 3,
        "disclosed": 2,
    }
    assert members(campaign_facts(), "funnel", "disclosed") == [1, 5]


def test_time_to_reply_splits_on_time_from_late_and_says_the_share_in_the_caption():
    chart = charts.time_to_response_chart(campaign_facts())
    on_time, late = chart.figure["data"]
    assert on_time["customdata"] == ["days:5"] and on_time["y"] == [2]
    assert late["y"] == [1]
    assert "67% of 3 replies" in chart.caption
    assert members(campaign_facts(), "time_to_response", "days:5") == [1, 5]


def test_replies_over_time_marks_the_twenty_day_deadline():
    chart = charts.responses_over_time_chart(campaign_facts())
    assert chart.figure["layout"]["shapes"][0]["x0"] == 20
    trace = chart.figure["data"][0]
    assert trace["y"][-1] == 3  # every reply counted by the last day
    assert set(members(campaign_facts(), "responses_over_time", "by:5")) == {1, 5}


def test_outcomes_keep_one_colour_per_outcome():
    chart = charts.outcomes_by_question_chart(campaign_facts())
    colours = {t["name"]: t["marker"]["color"] for t in chart.figure["data"]}
    assert colours["Refused"] == charts.OUTCOME_COLOURS["refused"]
    assert colours["Disclosed"] == charts.OUTCOME_COLOURS["disclosed"]
    assert members(campaign_facts(), "outcomes_by_question", "q2:not_held") == [5]


def test_heatmap_cells_carry_the_request_and_question_and_resolve_back():
    facts = campaign_facts()
    trace = charts.heatmap_chart(facts).figure["data"][0]
    assert trace["y"][0] == "Council 001"
    assert trace["customdata"][1][0] == "2:1"
    assert trace["text"][1][0] == "Refused"
    assert trace["text"][2][0] == charts.NO_REPLY_LABEL
    for row in trace["customdata"]:
        for cell in row:
            assert members(facts, "heatmap", cell) == [int(cell.split(":")[0])]


def test_heatmap_tells_apart_two_authorities_of_the_same_name():
    facts = campaign_facts()
    twins = CampaignFacts(
        LAUNCH,
        TODAY,
        QUESTIONS,
        [request(1, authority="Newport"), request(2, authority="Newport")],
        answers=[(1, 1, "disclosed")],
    )
    assert len(set(charts.heatmap_chart(twins).figure["data"][0]["y"])) == 2
    assert facts  # the shared facts are untouched


def test_map_places_located_authorities_and_switches_between_status_and_questions():
    chart = charts.map_chart(campaign_facts())
    points = chart.figure["data"][0]
    assert points["customdata"] == ["1", "2", "3", "5"]  # request 4 has no location
    buttons = chart.figure["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == ["Status", "Q1 Systems used", "Q2 Spending"]
    q2 = buttons[2]["args"][0]
    assert q2["hovertext"][0] == ["Disclosed", "Refused", "No reply yet", "Not held"]
    assert len(q2["visible"]) == len(chart.figure["data"])
    assert chart.figure["layout"]["geo"]["scope"] == "europe"
    assert members(campaign_facts(), "map", "3") == [3]


def test_breakdowns_are_shares_of_status_groups():
    chart = charts.by_nation_chart(campaign_facts())
    assert chart.figure["layout"]["barnorm"] == "percent"
    assert chart.figure["data"][0]["y"] == ["England", "Scotland"]
    assert members(campaign_facts(), "by_nation", "Scotland|awaiting") == [3]


def test_ladder_counts_each_rung():
    trace = charts.ladder_chart(campaign_facts()).figure["data"][0]
    assert trace["y"] == [1, 1, 1, 0, 0]
    assert members(campaign_facts(), "ladder", "chased_twice") == [2]


def test_exemptions_are_named_in_plain_english_and_sorted():
    trace = charts.exemptions_chart(campaign_facts()).figure["data"][0]
    assert trace["y"] == ["s12 cost limit", "s43(2) commercial interests"]


def test_mentions_split_systems_from_vendors():
    traces = charts.mentions_chart(campaign_facts()).figure["data"]
    assert {t["name"]: t["y"] for t in traces} == {"System": ["Capita One"], "Vendor": ["Xantura"]}


@pytest.mark.parametrize(
    "chart, point",
    [
        ("nonsense", "x"),
        ("funnel", "teleported"),
        ("funnel", ""),
        ("heatmap", "99:1"),
        ("heatmap", "1:9"),
        ("heatmap", "drop table"),
        ("map", "1:1"),
        ("outcomes_by_question", "q1:lost"),
        ("outcomes_by_question", "q7:refused"),
        ("time_to_response", "weeks:2"),
        ("responses_over_time", "by:-1"),
        ("by_type", "Unitary authority|sleeping"),
        ("ladder", "chased_thrice"),
    ],
)
def test_points_no_chart_could_draw_are_refused(chart, point):
    with pytest.raises(UnknownPoint):
        members(campaign_facts(), chart, point)


def test_map_hover_text_escapes_markup_in_names():
    facts = CampaignFacts(
        LAUNCH, TODAY, QUESTIONS, [request(1, authority="<a href='x'>Evil</a> & Co")]
    )
    text = charts.map_chart(facts).figure["data"][0]["text"][0]
    assert "<a" not in text and "&lt;a href=&#x27;x&#x27;&gt;Evil&lt;/a&gt; &amp; Co" in text
