"""plotly.js and the map outlines, served by the app itself so no page load leaves the machine.

plotly.js comes from the installed `plotly` package (its bundled `plotly.min.js`), never a
copy in the repository; the URL carries the package version, so browsers may cache it for a
year and an upgrade changes the URL. The map outlines are Natural Earth data shipped in
`campaign/data/geo/` (see its README).
"""

from __future__ import annotations

import gzip
import os
import tempfile
from functools import cache
from pathlib import Path

import plotly
from flask import Blueprint, abort, current_app, request, send_file, url_for

bp = Blueprint("assets", __name__)

GEO_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"
ONE_YEAR = 365 * 24 * 3600


def plotly_js_path() -> Path:
    """The minified plotly.js bundled with the installed plotly package."""
    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def plotly_version() -> str:
    return plotly.__version__


def plotly_js_url() -> str:
    return url_for("assets.plotly_js", version=plotly_version())


def geo_url() -> str:
    """Base URL Plotly's geo charts read `<scope>_<resolution>m.json` from (`topojsonURL`)."""
    return url_for("assets.geo", filename="x")[: -len("x")]


@cache
def _gzipped(source: Path, data_dir: str) -> Path:
    """A gzip copy of `source` in the data directory, made once: 4.8 MB goes out as ~1.4 MB."""
    target_dir = Path(data_dir) / "assets"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{source.stem}-{plotly_version()}{source.suffix}.gz"
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=target_dir, suffix=".part")
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            out.write(source.read_bytes())
        os.replace(tmp, target)
    return target


def _long_cached(response):
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response


@bp.route("/assets/plotly-<version>.min.js")
def plotly_js(version: str):
    if version != plotly_version():
        abort(404)
    source = plotly_js_path()
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        packed = _gzipped(source, current_app.config["CAMPAIGN_DATA_DIR"])
        response = send_file(packed, mimetype="text/javascript", conditional=True)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
    else:
        response = send_file(source, mimetype="text/javascript", conditional=True)
    return _long_cached(response)


@bp.route("/assets/geo/<filename>")
def geo(filename: str):
    path = GEO_DIR / filename
    if not filename.endswith(".json") or path.parent != GEO_DIR or not path.is_file():
        abort(404)
    return _long_cached(send_file(path, mimetype="application/json", conditional=True))
