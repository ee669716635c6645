/* Draws every chart on the page from its inline JSON figure with plotly.js (load plotly.js
   first). Works from file:// too: nothing is fetched except the map outlines, read from the
   data-topojson-url base (relative URLs allowed) unless window.PlotlyGeoAssets already holds
   them. A chart with data-drill-url navigates on click to
   drill-url?chart=KEY&point=<the clicked point's customdata>. */
(function () {
  "use strict";
  if (typeof window.Plotly === "undefined") return;

  function absolute(url) {
    if (!url) return url;
    var a = document.createElement("a");
    a.href = url;
    return a.href;
  }

  function topojsonBase(figure) {
    var holder = figure.closest("[data-topojson-url]");
    var url = holder ? holder.getAttribute("data-topojson-url") : "";
    if (!url) return undefined;
    url = absolute(url);
    return url.charAt(url.length - 1) === "/" ? url : url + "/";
  }

  function pointValue(point) {
    var value = point.customdata;
    if (Array.isArray(value)) value = value[0];
    return value === undefined || value === null ? null : String(value);
  }

  function draw(figure) {
    var plot = figure.querySelector(".chart-plot");
    var source = figure.querySelector("script.chart-figure");
    if (!plot || !source) return;
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (error) {
      plot.textContent = "This chart could not be read.";
      return;
    }
    var config = {
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ["sendDataToCloud", "lasso2d", "select2d"],
      toImageButtonOptions: { filename: figure.getAttribute("data-chart-key") || "chart" }
    };
    var base = topojsonBase(figure);
    if (base) config.topojsonURL = base;
    var drill = figure.getAttribute("data-drill-url");
    var key = figure.getAttribute("data-chart-key");
    window.Plotly.newPlot(plot, spec.data || [], spec.layout || {}, config).then(function () {
      if (!drill) return;
      plot.classList.add("chart-clickable");
      plot.on("plotly_click", function (event) {
        if (!event || !event.points || !event.points.length) return;
        var value = pointValue(event.points[0]);
        if (value === null || value === "") return;
        var separator = drill.indexOf("?") >= 0 ? "&" : "?";
        window.location.href = drill + separator + "chart=" + encodeURIComponent(key) +
          "&point=" + encodeURIComponent(value);
      });
    });
  }

  function drawAll() {
    var figures = document.querySelectorAll("figure.chart");
    for (var i = 0; i < figures.length; i++) draw(figures[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
