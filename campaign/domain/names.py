"""Authority names as people write them, reduced to one comparable form."""

from __future__ import annotations

import re
import unicodedata

# Words that vary between lists of the same body ("Borough of X Council" vs "X BC").
_FILLER = {
    "council",
    "the",
    "of",
    "borough",
    "district",
    "city",
    "county",
    "metropolitan",
    "royal",
    "london",
    "comhairle",
    "cyngor",
}
_ABBREVIATIONS = {"bc": "", "dc": "", "cc": "", "mbc": "", "mdc": "", "st": "saint", "&": "and"}


def normalise_name(name: str) -> str:
    """Lower-case, accent-free, punctuation-free form of a body's name, without filler words.

    "Borough Council of King's Lynn & West Norfolk" and "Kings Lynn and West Norfolk BC" both
    become "kings lynn and west norfolk". Returns the plain lower-cased words when stripping the
    filler would leave nothing ("City of London" stays "city of london").
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    words = re.findall(r"[a-z0-9]+", text)
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    words = [w for w in words if w]
    kept = [w for w in words if w not in _FILLER]
    return " ".join(kept or words)
