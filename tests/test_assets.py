"""plotly.js and the map outlines come from the app, cacheable for a year, with no sign-in."""

from __future__ import annotations

import gzip
import json

import plotly

from campaign.web.assets.views import plotly_js_path


def test_plotly_js_is_served_from_the_installed_package_with_long_cache(client):
    url = f"/assets/plotly-{plotly.__version__}.min.js"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.data == plotly_js_path().read_bytes()
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable


def test_plotly_js_goes_out_gzipped_to_browsers_that_accept_it(client):
    url = f"/assets/plotly-{plotly.__version__}.min.js"
    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == plotly_js_path().read_bytes()
    assert len(response.data) < len(plotly_js_path().read_bytes()) / 2


def test_an_old_plotly_version_url_is_not_found(client):
    assert client.get("/assets/plotly-0.0.1.min.js").status_code == 404


def test_map_outlines_are_served_and_nothing_else_under_geo(client):
    response = client.get("/assets/geo/europe_50m.json")
    assert response.status_code == 200
    assert json.loads(response.data)["type"] == "Topology"
    assert response.cache_control.max_age == 365 * 24 * 3600
    for bad in ("../README.md", "..%2FREADME.md", "missing.json", "europe_50m.txt"):
        assert client.get(f"/assets/geo/{bad}").status_code == 404
