"""Plotly figures of a campaign: plain query results in, figure dicts out (no DB, no Flask).

Every builder returns a `Chart`; the page renders its figure as JSON for plotly.js. Figures are
plain dicts so they serialise with `json.dumps` and need no Plotly Python objects at run time.
Points that stand for requests carry a `customdata` string; `members` reads such a string back
into the requests behind it with the same rules that drew the point, so a click always lists
exactly what the bar counted.

Colours come from the Okabe-Ito palette, which stays distinguishable with the common kinds of
colour blindness; each outcome and each status group keeps its colour on every chart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Any, NamedTuple

from campaign.domain.deadlines import REPLY_WORKING_DAYS, working_calendar
from campaign.domain.vocabulary import AnswerOutcome

CHART_KEYS = (
    "funnel",
    "responses_over_time",
    "time_to_response",
    "outcomes_by_question",
    "heatmap",
    "exemptions",
    "mentions",
    "by_nation",
    "by_type",
    "ladder",
    "map",
)
TOP_MENTIONS = 15
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}

OUTCOME_LABELS = {
    "disclosed": "Disclosed",
    "partially_disclosed": "Partly disclosed",
    "not_held": "Not held",
    "refused": "Refused",
    "published_elsewhere": "Published elsewhere",
    "no_answer": "No answer",
}
OUTCOME_COLOURS = {
    "disclosed": "#009E73",
    "partially_disclosed": "#56B4E9",
    "not_held": "#E69F00",
    "refused": "#D55E00",
    "published_elsewhere": "#CC79A7",
    "no_answer": "#999999",
}
NO_REPLY = "no_reply"  # heatmap and map: the request has no answers recorded yet
NO_REPLY_LABEL = "No reply yet"
NO_REPLY_COLOUR = "#E8E8E8"

# Request statuses grouped as a reader of the charts thinks of them.
STATUS_GROUPS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "answered": ("Answered in full", "#009E73", ("successful",)),
    "partial": ("Answered in part", "#56B4E9", ("partially_successful",)),
    "not_held": ("Not held", "#E69F00", ("not_held",)),
    "refused": ("Refused", "#D55E00", ("refused",)),
    "review": (
        "In review or escalated",
        "#CC79A7",
        ("review_requested", "review_overdue", "review_answered", "escalated"),
    ),
    "awaiting": (
        "Awaiting a reply",
        "#0072B2",
        ("queued", "sent", "awaiting_response", "extended", "awaiting_clarification"),
    ),
    "overdue": ("Overdue", "#000000", ("overdue", "very_overdue")),
    "not_sent": ("Not sent or withdrawn", "#BBBBBB", ("draft", "delivery_failed", "withdrawn")),
}
_GROUP_OF_STATUS = {s: g for g, (_, _, statuses) in STATUS_GROUPS.items() for s in statuses}

FUNNEL_STAGES = (
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("acknowledged", "Acknowledged"),
    ("answered", "Answered"),
    ("disclosed", "Disclosed something"),
)
LADDER_RUNGS = (
    ("chased_once", "Chased once"),
    ("chased_twice", "Chased twice"),
    ("review_requested", "Review requested"),
    ("review_answered", "Review answered"),
    ("escalated", "Escalated to the regulator"),
)
# What the common exemptions are about, for readers who do not know the sections by number.
EXEMPTION_NAMES = {
    "s12": "cost limit",
    "s14": "vexatious or repeated",
    "s21": "accessible by other means",
    "s22": "intended for publication",
    "s30": "investigations",
    "s31": "law enforcement",
    "s36": "conduct of public affairs",
    "s38": "health and safety",
    "s40": "personal information",
    "s41": "provided in confidence",
    "s42": "legal professional privilege",
    "s43": "commercial interests",
    "s44": "prohibited by law",
}


@dataclass(frozen=True)
class Chart:
    """One chart of the dashboard, ready to render."""

    key: str  # stable id, used in element ids, drill-down links and embed URLs
    title: str
    caption: str  # one line saying what it shows
    figure: dict[str, Any]  # {"data": [...], "layout": {...}}, JSON-serialisable
    empty: str | None = None  # shown instead of the chart when there is nothing to plot
    drill: bool = False  # points carry customdata naming the requests behind them


class RequestFacts(NamedTuple):
    """One request as the charts see it: where, what state, and when things happened.

    A named tuple rather than a dataclass: a dashboard makes hundreds per page view, and
    tuples are built several times faster.
    """

    id: int
    authority: str
    status: str
    law: str = "foia"
    nation: str | None = None
    authority_type: str = ""
    latitude: float | None = None
    longitude: float | None = None
    reference_id: str | None = None
    received_on: date | None = None  # day of receipt: delivery (else sending), London date
    due_on: date | None = None
    replied_on: date | None = None  # first response or refusal, London date
    acknowledged: bool = False  # any reply at all, an acknowledgement included
    disclosed: bool = False  # at least one answer disclosed in full or in part
    chase_stage: int = 0
    review_requested: bool = False
    review_answered: bool = False

    @property
    def sent(self) -> bool:
        return self.received_on is not None

    @property
    def status_group(self) -> str:
        return _GROUP_OF_STATUS.get(self.status, "awaiting")


@dataclass(frozen=True)
class CampaignFacts:
    """Everything the charts of one campaign are drawn from: the result of a few queries."""

    launched_on: date | None
    today: date
    questions: Sequence[tuple[int, str]]  # (position, label)
    requests: Sequence[RequestFacts]
    # (request id, question position, outcome) for every answer recorded.
    answers: Sequence[tuple[int, int, str]] = ()
    # question position -> outcome -> answers, counted by the database.
    outcome_counts: dict[int, dict[str, int]] = field(default_factory=dict)
    exemptions: Sequence[tuple[str, int]] = ()  # (exemption, requests citing it)
    mentions: Sequence[tuple[str, str, int]] = ()  # (name, category, requests naming it)


class UnknownPoint(ValueError):
    """A drill-down point that no chart of this kind draws."""


# -- shared pieces ---------------------------------------------------------------------------


def _layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "font": FONT,
        "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hoverlabel": {"font": {"size": 13}},
        "legend": {"orientation": "h", "y": -0.2},
        "height": 360,
    }
    layout.update(extra)
    return layout


def _axis(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "gridcolor": "#eeeeee", "zeroline": False, **extra}


def _empty(key: str, title: str, caption: str, sentence: str) -> Chart:
    return Chart(key, title, caption, {"data": [], "layout": _layout()}, empty=sentence)


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def _wrap(text: str, width: int = 14) -> str:
    """Break a tick label over lines so bar labels stay level and readable."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "<br>".join(lines)


def question_label(position: int, label: str) -> str:
    return f"Q{position} {label}".strip() if label else f"Question {position}"


def exemption_label(exemption: str) -> str:
    section = exemption.split("(", 1)[0]
    name = EXEMPTION_NAMES.get(section)
    return f"{exemption} {name}" if name else exemption


# -- the funnel and the timing charts --------------------------------------------------------


def _funnel_members(facts: CampaignFacts, stage: str) -> list[RequestFacts]:
    tests = {
        "sent": lambda r: r.sent,
        "delivered": lambda r: r.sent and r.status != "delivery_failed",
        "acknowledged": lambda r: r.acknowledged or r.replied_on is not None,
        "answered": lambda r: r.replied_on is not None,
        "disclosed": lambda r: r.disclosed,
    }
    if stage not in tests:
        raise UnknownPoint(f"the funnel has no stage {stage!r}")
    return [r for r in facts.requests if tests[stage](r)]


def funnel_chart(facts: CampaignFacts) -> Chart:
    title, caption = (
        "From sent to disclosed",
        "How many requests were sent, delivered, acknowledged, answered, and disclosed something.",
    )
    counts = [len(_funnel_members(facts, key)) for key, _ in FUNNEL_STAGES]
    if not counts[0]:
        return _empty("funnel", title, caption, "No request has been sent yet.")
    trace = {
        "type": "funnel",
        "y": [label for _, label in FUNNEL_STAGES],
        "x": counts,
        "customdata": [key for key, _ in FUNNEL_STAGES],
        "textinfo": "value+percent initial",
        "marker": {"color": ["#0072B2", "#56B4E9", "#E69F00", "#CC79A7", "#009E73"]},
        "connector": {"line": {"color": "#cccccc"}},
        "hovertemplate": "%{y}: %{x} requests (%{percentInitial} of those sent)<extra></extra>",
    }
    return Chart(
        "funnel",
        title,
        caption,
        {"data": [trace], "layout": _layout(margin=_margin(20), yaxis={"automargin": True})},
        None,
        True,
    )


def _margin(left: int, bottom: int = 50) -> dict[str, int]:
    return {"l": left, "r": 20, "t": 20, "b": bottom}


def _replied_day(facts: CampaignFacts, r: RequestFacts) -> int | None:
    """Working days from launch to the request's first reply (on the UK-wide FOIA calendar)."""
    if r.replied_on is None or facts.launched_on is None:
        return None
    return max(0, working_calendar("foia").working_days_between(facts.launched_on, r.replied_on))


def responses_over_time_chart(facts: CampaignFacts) -> Chart:
    title = "Replies over time"
    caption = (
        "Requests answered by each working day since launch; "
        f"the line marks the {REPLY_WORKING_DAYS}-working-day deadline."
    )
    days = [d for r in facts.requests if (d := _replied_day(facts, r)) is not None]
    if facts.launched_on is None:
        return _empty("responses_over_time", title, caption, "The campaign has not launched yet.")
    if not days:
        return _empty("responses_over_time", title, caption, "No replies have arrived yet.")
    calendar = working_calendar("foia")
    elapsed = max(0, calendar.working_days_between(facts.launched_on, facts.today))
    end = max(elapsed, max(days))
    last = max(end, REPLY_WORKING_DAYS)
    per_day = Counter(days)
    sent = sum(1 for r in facts.requests if r.sent)
    x, y, running = [], [], 0
    for day in range(end + 1):
        running += per_day.get(day, 0)
        x.append(day)
        y.append(running)
    trace = {
        "type": "scatter",
        "mode": "lines+markers",
        "x": x,
        "y": y,
        "line": {"color": "#0072B2", "shape": "hv", "width": 2},
        "marker": {"size": 5},
        "customdata": [f"by:{day}" for day in x],
        "hovertemplate": f"Working day %{{x}}: %{{y}} of {sent} answered<extra></extra>",
        "name": "Answered",
    }
    deadline = {
        "type": "line",
        "x0": REPLY_WORKING_DAYS,
        "x1": REPLY_WORKING_DAYS,
        "yref": "paper",
        "y0": 0,
        "y1": 1,
        "line": {"color": "#D55E00", "dash": "dash", "width": 2},
    }
    note = {
        "x": REPLY_WORKING_DAYS,
        "yref": "paper",
        "y": 1,
        "text": f"Deadline: {REPLY_WORKING_DAYS} working days ",
        "showarrow": False,
        "xanchor": "right",
        "yanchor": "top",
        "font": {"color": "#D55E00"},
    }
    layout = _layout(
        xaxis=_axis("Working days since launch", range=[-0.5, last + 0.5]),
        yaxis=_axis("Requests answered", rangemode="tozero"),
        shapes=[deadline],
        annotations=[note],
        showlegend=False,
    )
    return Chart(
        "responses_over_time", title, caption, {"data": [trace], "layout": layout}, None, True
    )


def _response_days(r: RequestFacts) -> int | None:
    """Working days from the day of receipt to the first reply, on the request's own law."""
    if r.replied_on is None or r.received_on is None:
        return None
    return max(0, working_calendar(r.law).working_days_between(r.received_on, r.replied_on))


def _on_time(r: RequestFacts) -> bool:
    return r.due_on is None or (r.replied_on is not None and r.replied_on <= r.due_on)


def time_to_response_chart(facts: CampaignFacts) -> Chart:
    title = "Time to reply"
    timed = [(d, _on_time(r)) for r in facts.requests if (d := _response_days(r)) is not None]
    if not timed:
        caption = "How many working days each authority took to reply, on time or late."
        return _empty("time_to_response", title, caption, "No replies have arrived yet.")
    on_time = sum(1 for _, ok in timed if ok)
    caption = (
        f"Working days each authority took to reply: {_percent(on_time, len(timed))} of "
        f"{len(timed)} replies came within the deadline."
    )
    traces = []
    for ok, name, colour in ((True, "On time", "#009E73"), (False, "Late", "#D55E00")):
        counts = Counter(d for d, t in timed if t is ok)
        xs = sorted(counts)
        traces.append(
            {
                "type": "bar",
                "name": name,
                "x": xs,
                "y": [counts[d] for d in xs],
                "marker": {"color": colour},
                "customdata": [f"days:{d}" for d in xs],
                "hovertemplate": f"%{{x}} working days: %{{y}} replies ({name.lower()})"
                "<extra></extra>",
            }
        )
    layout = _layout(
        barmode="stack",
        bargap=0.1,
        xaxis=_axis("Working days from receipt to reply", dtick=5),
        yaxis=_axis("Replies"),
        legend={"orientation": "h", "y": 1.12, "x": 0},
    )
    return Chart("time_to_response", title, caption, {"data": traces, "layout": layout}, None, True)


# -- answers per question --------------------------------------------------------------------


def outcomes_by_question_chart(facts: CampaignFacts) -> Chart:
    title = "Outcome per question"
    caption = "For each question, how many authorities disclosed, refused or did not hold it."
    if not any(facts.outcome_counts.values()):
        return _empty("outcomes_by_question", title, caption, "No answers have been recorded yet.")
    labels = [f"Q{p}<br>{_wrap(label, 11)}" for p, label in facts.questions]
    traces = []
    for outcome in (o.value for o in AnswerOutcome):
        ys = [facts.outcome_counts.get(p, {}).get(outcome, 0) for p, _ in facts.questions]
        if not any(ys):
            continue
        traces.append(
            {
                "type": "bar",
                "name": OUTCOME_LABELS[outcome],
                "x": labels,
                "y": ys,
                "marker": {"color": OUTCOME_COLOURS[outcome]},
                "customdata": [f"q{p}:{outcome}" for p, _ in facts.questions],
                "hovertemplate": f"%{{x}}<br>{OUTCOME_LABELS[outcome]}: %{{y}}<extra></extra>",
            }
        )
    layout = _layout(
        barmode="stack",
        xaxis=_axis("", automargin=True, tickangle=0),
        yaxis=_axis("Authorities"),
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
    )
    return Chart(
        "outcomes_by_question", title, caption, {"data": traces, "layout": layout}, None, True
    )


def _unique_names(requests: Iterable[RequestFacts]) -> dict[int, str]:
    """Row labels for the heatmap: authority names, told apart when two share a name."""
    seen: Counter[str] = Counter()
    names: dict[int, str] = {}
    for r in requests:
        seen[r.authority] += 1
        names[r.id] = r.authority if seen[r.authority] == 1 else f"{r.authority} ({r.id})"
    return names


HEATMAP_CATEGORIES = [*(o.value for o in AnswerOutcome), NO_REPLY]


def heatmap_chart(facts: CampaignFacts) -> Chart:
    title = "Authority by question"
    caption = (
        "Each authority's outcome for each question; hover for details, click for the request."
    )
    if not facts.questions or not facts.requests:
        return _empty("heatmap", title, caption, "No requests or questions to show yet.")
    if not facts.answers:
        return _empty("heatmap", title, caption, "No answers have been recorded yet.")
    requests = sorted(facts.requests, key=lambda r: (r.authority.lower(), r.id))
    names = _unique_names(requests)
    column = {p: i for i, (p, _) in enumerate(facts.questions)}
    row = {r.id: i for i, r in enumerate(requests)}
    code = {c: i for i, c in enumerate(HEATMAP_CATEGORIES)}
    blank = code[NO_REPLY]
    z = [[blank] * len(column) for _ in requests]
    for request_id, position, outcome in facts.answers:
        i, j = row.get(request_id), column.get(position)
        if i is not None and j is not None:
            z[i][j] = code.get(outcome, blank)
    labels = [OUTCOME_LABELS.get(c, NO_REPLY_LABEL) for c in HEATMAP_CATEGORIES]
    text = [[labels[v] for v in line] for line in z]
    customdata = [[f"{r.id}:{p}" for p, _ in facts.questions] for r in requests]
    n = len(HEATMAP_CATEGORIES)
    colours = [*(OUTCOME_COLOURS[c] for c in HEATMAP_CATEGORIES[:-1]), NO_REPLY_COLOUR]
    scale = []
    for i, colour in enumerate(colours):
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    trace = {
        "type": "heatmap",
        "x": [question_label(p, label) for p, label in facts.questions],
        "y": [names[r.id] for r in requests],
        "z": z,
        "text": text,
        "customdata": customdata,
        "zmin": -0.5,
        "zmax": n - 0.5,
        "colorscale": scale,
        "xgap": 1,
        "ygap": 1,
        "hovertemplate": "%{y}<br>%{x}<br><b>%{text}</b><extra></extra>",
        "colorbar": {
            "tickvals": list(range(n)),
            "ticktext": labels,
            "title": {"text": "Outcome"},
            "thickness": 14,
            "len": min(1.0, 600 / max(300, 14 * len(requests) + 140)),
            "y": 1,
            "yanchor": "top",
        },
    }
    layout = _layout(
        height=max(320, 14 * len(requests) + 140),
        xaxis=_axis("", side="top", automargin=True, showgrid=False),
        yaxis=_axis(
            "", autorange="reversed", automargin=True, showgrid=False, tickfont={"size": 10}
        ),
        margin={"l": 20, "r": 20, "t": 20, "b": 20},
    )
    return Chart("heatmap", title, caption, {"data": [trace], "layout": layout}, None, True)


# -- what replies cite and name --------------------------------------------------------------


def exemptions_chart(facts: CampaignFacts) -> Chart:
    title = "Exemptions cited"
    caption = "How many requests had an answer withheld under each exemption."
    if not facts.exemptions:
        return _empty("exemptions", title, caption, "No reply has cited an exemption yet.")
    rows = sorted(facts.exemptions, key=lambda e: (-e[1], e[0]))
    trace = {
        "type": "bar",
        "orientation": "h",
        "y": [exemption_label(e) for e, _ in rows],
        "x": [n for _, n in rows],
        "customdata": [e for e, _ in rows],
        "marker": {"color": "#D55E00"},
        "hovertemplate": "%{y}: %{x} requests<extra></extra>",
    }
    layout = _layout(
        height=max(260, 28 * len(rows) + 90),
        xaxis=_axis("Requests citing it"),
        yaxis=_axis("", autorange="reversed", automargin=True),
        showlegend=False,
    )
    return Chart("exemptions", title, caption, {"data": [trace], "layout": layout}, None, True)


def mentions_chart(facts: CampaignFacts) -> Chart:
    title = "Systems and vendors named"
    caption = (
        f"How many authorities name each system or supplier in their replies (top {TOP_MENTIONS})."
    )
    rows = sorted(facts.mentions, key=lambda m: (-m[2], m[0]))[:TOP_MENTIONS]
    if not rows:
        return _empty("mentions", title, caption, "No reply has named a system or vendor yet.")
    traces = []
    for category, name, colour in (
        ("system", "System", "#0072B2"),
        ("vendor", "Vendor", "#E69F00"),
    ):
        picked = [m for m in rows if (m[1] == "vendor") == (category == "vendor")]
        if picked:
            traces.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": name,
                    "y": [m[0] for m in picked],
                    "x": [m[2] for m in picked],
                    "customdata": [m[0] for m in picked],
                    "marker": {"color": colour},
                    "hovertemplate": f"%{{y}} ({name.lower()}): named by %{{x}} authorities"
                    "<extra></extra>",
                }
            )
    layout = _layout(
        height=max(260, 26 * len(rows) + 110),
        xaxis=_axis("Authorities naming it"),
        yaxis=_axis(
            "",
            automargin=True,
            categoryorder="array",
            categoryarray=[m[0] for m in reversed(rows)],
        ),
        legend={"orientation": "h", "y": 1.12, "x": 0},
    )
    return Chart("mentions", title, caption, {"data": traces, "layout": layout}, None, True)


# -- breakdowns and the ladder ---------------------------------------------------------------


def _breakdown_chart(
    facts: CampaignFacts, key: str, title: str, caption: str, attribute: str, nobody: str
) -> Chart:
    groups: dict[str, Counter[str]] = {}
    for r in facts.requests:
        groups.setdefault(getattr(r, attribute) or nobody, Counter())[r.status_group] += 1
    if not groups:
        return _empty(key, title, caption, "No requests yet.")
    order = sorted(groups, key=lambda g: (-sum(groups[g].values()), g))
    traces = []
    for group, (label, colour, _) in STATUS_GROUPS.items():
        xs = [groups[g][group] for g in order]
        if not any(xs):
            continue
        totals = [sum(groups[g].values()) for g in order]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": label,
                "y": order,
                "x": xs,
                "text": [_percent(x, t) for x, t in zip(xs, totals, strict=True)],
                "textposition": "none",
                "customdata": [f"{g}|{group}" for g in order],
                "marker": {"color": colour},
                "hovertemplate": f"%{{y}}<br>{label}: %{{x}} (%{{text}})<extra></extra>",
            }
        )
    layout = _layout(
        barmode="stack",
        barnorm="percent",
        height=max(300, 34 * len(order) + 190),
        xaxis=_axis("Share of requests (%)", range=[0, 100]),
        yaxis=_axis("", autorange="reversed", automargin=True),
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"l": 20, "r": 20, "t": 90, "b": 50},
    )
    return Chart(key, title, caption, {"data": traces, "layout": layout}, None, True)


def by_nation_chart(facts: CampaignFacts) -> Chart:
    return _breakdown_chart(
        facts,
        "by_nation",
        "By nation",
        "Where the requests stand in England, Scotland, Wales and Northern Ireland.",
        "nation",
        "Unknown nation",
    )


def by_type_chart(facts: CampaignFacts) -> Chart:
    return _breakdown_chart(
        facts,
        "by_type",
        "By type of authority",
        "Where the requests stand for each type of authority.",
        "authority_type",
        "Other",
    )


def _ladder_members(facts: CampaignFacts, rung: str) -> list[RequestFacts]:
    tests = {
        "chased_once": lambda r: r.chase_stage >= 1,
        "chased_twice": lambda r: r.chase_stage >= 2,
        "review_requested": lambda r: r.review_requested,
        "review_answered": lambda r: r.review_answered,
        "escalated": lambda r: r.status == "escalated",
    }
    if rung not in tests:
        raise UnknownPoint(f"the ladder has no rung {rung!r}")
    return [r for r in facts.requests if tests[rung](r)]


def ladder_chart(facts: CampaignFacts) -> Chart:
    title = "Chasers and reviews"
    caption = (
        "How many requests needed a chaser, a second chaser, an internal review or the regulator."
    )
    counts = [len(_ladder_members(facts, key)) for key, _ in LADDER_RUNGS]
    if not any(counts):
        return _empty("ladder", title, caption, "No request has been chased or reviewed yet.")
    trace = {
        "type": "bar",
        "x": [_wrap(label) for _, label in LADDER_RUNGS],
        "y": counts,
        "customdata": [key for key, _ in LADDER_RUNGS],
        "marker": {"color": ["#E69F00", "#D55E00", "#CC79A7", "#0072B2", "#000000"]},
        "text": counts,
        "textposition": "outside",
        "hovertemplate": "%{x}: %{y} requests<extra></extra>",
    }
    layout = _layout(
        xaxis=_axis("", tickangle=0),
        yaxis=_axis("Requests", rangemode="tozero"),
        showlegend=False,
        margin={"l": 60, "r": 20, "t": 30, "b": 60},
    )
    return Chart("ladder", title, caption, {"data": [trace], "layout": layout}, None, True)


# -- the map ---------------------------------------------------------------------------------

UK_GEO = {
    "scope": "europe",
    "resolution": 50,
    "projection": {"type": "mercator"},
    "lonaxis": {"range": [-8.6, 2.0]},
    "lataxis": {"range": [49.8, 59.0]},
    "showcountries": True,
    "countrycolor": "#999999",
    "showland": True,
    "landcolor": "#f3f1ea",
    "showocean": True,
    "oceancolor": "#e4eef5",
    "showlakes": False,
    "showcoastlines": True,
    "coastlinecolor": "#999999",
    "showframe": False,
}


def map_chart(facts: CampaignFacts) -> Chart:
    title = "Map"
    caption = (
        "Every authority at its location, coloured by the request's status or by one question's "
        "outcome (choose above the map)."
    )
    placed = [r for r in facts.requests if r.latitude is not None and r.longitude is not None]
    if not placed:
        return _empty("map", title, caption, "None of these authorities has a location yet.")
    placed.sort(key=lambda r: r.id)
    by_request: dict[tuple[int, int], str] = {(a, p): o for a, p, o in facts.answers}
    # Colours travel as category numbers on one discrete scale: 400 small integers per view
    # instead of 400 colour strings, which keeps the map's JSON small.
    keys = [("status", g, label, colour) for g, (label, colour, _) in STATUS_GROUPS.items()]
    keys += [("outcome", o, OUTCOME_LABELS[o], OUTCOME_COLOURS[o]) for o in OUTCOME_LABELS]
    keys.append(("outcome", NO_REPLY, NO_REPLY_LABEL, NO_REPLY_COLOUR))
    index = {(kind, value): i for i, (kind, value, _, _) in enumerate(keys)}
    n = len(keys)
    scale: list[list[Any]] = []
    for i, (_, _, _, colour) in enumerate(keys):
        scale += [[i / n, colour], [(i + 1) / n, colour]]

    views: list[tuple[str, list[int], list[str]]] = [
        (
            "Status",
            [index[("status", r.status_group)] for r in placed],
            [r.status.replace("_", " ") for r in placed],
        )
    ]
    for position, label in facts.questions:
        outcomes = [by_request.get((r.id, position), NO_REPLY) for r in placed]
        views.append(
            (
                question_label(position, label),
                [index.get(("outcome", o), index[("outcome", NO_REPLY)]) for o in outcomes],
                [OUTCOME_LABELS.get(o, NO_REPLY_LABEL) for o in outcomes],
            )
        )

    points = {
        "type": "scattergeo",
        "lat": [r.latitude for r in placed],
        "lon": [r.longitude for r in placed],
        # Plotly reads hover text as a little HTML: names and references go in escaped.
        "text": [
            f"<b>{escape(r.authority)}</b>"
            + (f"<br>Reference: {escape(r.reference_id)}" if r.reference_id else "")
            for r in placed
        ],
        "hovertext": views[0][2],
        "customdata": [str(r.id) for r in placed],
        "mode": "markers",
        "marker": {
            "size": 8,
            "color": views[0][1],
            "colorscale": scale,
            "cmin": -0.5,
            "cmax": n - 0.5,
            "showscale": False,
            "line": {"width": 0.5, "color": "#333333"},
            "opacity": 0.9,
        },
        "meta": views[0][0],
        "hovertemplate": "%{text}<br>%{meta}: %{hovertext}<extra></extra>",
        "showlegend": False,
    }
    # Legend entries only: one trace per status group and per outcome, shown with their view.
    legend = [
        {
            "type": "scattergeo",
            "lat": [None],
            "lon": [None],
            "mode": "markers",
            "name": label,
            "marker": {"size": 9, "color": colour, "line": {"width": 0.5, "color": "#333333"}},
            "hoverinfo": "skip",
            "visible": kind == "status",
        }
        for kind, _, label, colour in keys
    ]
    buttons = []
    for number, (name, colours, hover) in enumerate(views):
        kind = "status" if number == 0 else "outcome"
        buttons.append(
            {
                "label": name,
                "method": "update",
                "args": [
                    {
                        "marker.color": [colours, *(k[3] for k in keys)],
                        "hovertext": [hover, *([None] * n)],
                        "meta": [name, *([None] * n)],
                        "visible": [True, *(k[0] == kind for k in keys)],
                    }
                ],
            }
        )
    layout = _layout(
        height=640,
        geo=UK_GEO,
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        legend={"orientation": "v", "x": 0.01, "y": 0.98, "bgcolor": "rgba(255,255,255,0.85)"},
        updatemenus=[
            {
                "type": "dropdown",
                "buttons": buttons,
                "active": 0,
                "x": 0,
                "xanchor": "left",
                "y": 1.06,
                "yanchor": "top",
                "showactive": True,
            }
        ],
    )
    return Chart("map", title, caption, {"data": [points, *legend], "layout": layout}, None, True)


# -- everything, and back from a point to its requests ---------------------------------------

BUILDERS = {
    "funnel": funnel_chart,
    "responses_over_time": responses_over_time_chart,
    "time_to_response": time_to_response_chart,
    "outcomes_by_question": outcomes_by_question_chart,
    "heatmap": heatmap_chart,
    "exemptions": exemptions_chart,
    "mentions": mentions_chart,
    "by_nation": by_nation_chart,
    "by_type": by_type_chart,
    "ladder": ladder_chart,
    "map": map_chart,
}


def campaign_charts(facts: CampaignFacts) -> list[Chart]:
    """Every chart of a campaign, in the order the dashboard shows them."""
    return [BUILDERS[key](facts) for key in CHART_KEYS]


def _number(text: str, what: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise UnknownPoint(f"{what} must be a whole number, not {text!r}")
    return int(text)


def members(facts: CampaignFacts, chart_key: str, point: str) -> list[int]:
    """Ids of the requests behind a point of a chart, by the rules that drew it.

    Exemptions and mentions are counted by the database and resolved there; every other chart
    is resolved here. Raises UnknownPoint for a point the chart could not have drawn.
    """
    if chart_key not in BUILDERS:
        raise UnknownPoint(f"there is no chart {chart_key!r}")
    if not point:
        raise UnknownPoint("no point was given")
    requests = facts.requests
    if chart_key == "funnel":
        return [r.id for r in _funnel_members(facts, point)]
    if chart_key == "ladder":
        return [r.id for r in _ladder_members(facts, point)]
    if chart_key == "responses_over_time":
        prefix, _, day = point.partition(":")
        if prefix != "by":
            raise UnknownPoint(f"not a point of the replies chart: {point!r}")
        limit = _number(day, "the working day")
        return [r.id for r in requests if (d := _replied_day(facts, r)) is not None and d <= limit]
    if chart_key == "time_to_response":
        prefix, _, days = point.partition(":")
        if prefix != "days":
            raise UnknownPoint(f"not a point of the time-to-reply chart: {point!r}")
        wanted = _number(days, "the number of days")
        return [r.id for r in requests if _response_days(r) == wanted]
    if chart_key == "outcomes_by_question":
        question, _, outcome = point.partition(":")
        position = (
            _number(question.removeprefix("q"), "the question") if question[:1] == "q" else -1
        )
        if position not in dict(facts.questions) or outcome not in OUTCOME_LABELS:
            raise UnknownPoint(f"not a question and outcome of this campaign: {point!r}")
        wanted_ids = {a for a, p, o in facts.answers if p == position and o == outcome}
        return [r.id for r in requests if r.id in wanted_ids]
    if chart_key in ("heatmap", "map"):
        request_part, _, question = point.partition(":")
        request_id = _number(request_part, "the request")
        if chart_key == "heatmap" and _number(question, "the question") not in dict(
            facts.questions
        ):
            raise UnknownPoint(f"this campaign has no question {question!r}")
        if chart_key == "map" and question:
            raise UnknownPoint(f"not a point of the map: {point!r}")
        found = [r.id for r in requests if r.id == request_id]
        if not found:
            raise UnknownPoint(f"request {request_id} is not part of this campaign")
        return found
    if chart_key in ("by_nation", "by_type"):
        value, _, group = point.rpartition("|")
        if group not in STATUS_GROUPS or not value:
            raise UnknownPoint(f"not a point of the breakdown: {point!r}")
        attribute, nobody = (
            ("nation", "Unknown nation")
            if chart_key == "by_nation"
            else ("authority_type", "Other")
        )
        return [
            r.id
            for r in requests
            if (getattr(r, attribute) or nobody) == value and r.status_group == group
        ]
    raise UnknownPoint(f"the {chart_key} chart is resolved by the database")
