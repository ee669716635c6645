"""The three access-to-information regimes a request can be made under."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from campaign.domain.vocabulary import Nation


class LawCode(StrEnum):
    FOIA = "foia"
    FOISA = "foisa"
    EIR = "eir"


@dataclass(frozen=True)
class Law:
    code: LawCode
    name: str
    citation: str
    regulator: str


LAWS: dict[LawCode, Law] = {
    LawCode.FOIA: Law(
        LawCode.FOIA,
        "Freedom of Information Act 2000",
        "section 1 of the Freedom of Information Act 2000",
        "Information Commissioner's Office",
    ),
    LawCode.FOISA: Law(
        LawCode.FOISA,
        "Freedom of Information (Scotland) Act 2002",
        "section 1 of the Freedom of Information (Scotland) Act 2002",
        "Scottish Information Commissioner",
    ),
    LawCode.EIR: Law(
        LawCode.EIR,
        "Environmental Information Regulations 2004",
        "regulation 5 of the Environmental Information Regulations 2004",
        "Information Commissioner's Office",
    ),
}

_ALIASES = {
    "foia": LawCode.FOIA,
    "foi": LawCode.FOIA,
    "foia2000": LawCode.FOIA,
    "freedomofinformationact2000": LawCode.FOIA,
    "foisa": LawCode.FOISA,
    "foisa2002": LawCode.FOISA,
    "foi(s)a": LawCode.FOISA,
    "foi(s)a2002": LawCode.FOISA,
    "fois": LawCode.FOISA,
    "freedomofinformation(scotland)act2002": LawCode.FOISA,
    "eir": LawCode.EIR,
    "eirs": LawCode.EIR,
    "eir2004": LawCode.EIR,
    "environmentalinformationregulations2004": LawCode.EIR,
}


def default_law_for(nation: str | None) -> LawCode:
    """Scottish public authorities answer under FOISA; everyone else under FOIA."""
    return LawCode.FOISA if nation == Nation.SCOTLAND else LawCode.FOIA


def parse_law(text: str) -> LawCode | None:
    """Read a law as people write it ('FOIA', 'FOI(S)A 2002', 'EIRs'); None if unknown."""
    key = "".join(text.lower().split()).replace("-", "")
    return _ALIASES.get(key)
