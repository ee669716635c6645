/* Campaign progress: poll progress.json every 2 s and update the counts and the bar in place.
   Stops when nothing is queued; backs off and stops after repeated errors. No dependencies. */
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) return;
  var url = box.getAttribute("data-progress-url");
  var INTERVAL = 2000;
  var failures = 0;

  function percent(part, whole) {
    return whole > 0 ? Math.min(100, (100 * part) / whole).toFixed(1) + "%" : "0%";
  }

  function render(p) {
    ["queued", "sent", "delivered", "failed", "skipped"].forEach(function (key) {
      var cell = box.querySelector('[data-field="' + key + '"]');
      if (cell && typeof p[key] === "number") cell.textContent = String(p[key]);
    });
    var sendable = p.total - p.skipped;
    var done = p.sent + p.failed;
    var bar = box.querySelector('[role="progressbar"]');
    if (bar) {
      bar.setAttribute("aria-valuemax", String(sendable));
      bar.setAttribute("aria-valuenow", String(done));
      bar.querySelector(".progress-sent").style.width = percent(p.sent, sendable);
      bar.querySelector(".progress-failed").style.width = percent(p.failed, sendable);
    }
    var summary = box.querySelector('[data-field="summary"]');
    if (summary) {
      summary.textContent = done + " of " + sendable + " processed" +
        (p.queued ? ", " + p.queued + " waiting in the queue." : ".");
    }
    box.setAttribute("data-queued", String(p.queued));
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (progress) {
        failures = 0;
        render(progress);
        if (progress.queued > 0) window.setTimeout(poll, INTERVAL);
      })
      .catch(function () {
        failures += 1;
        if (failures < 5) window.setTimeout(poll, INTERVAL * failures);
      });
  }

  if (Number(box.getAttribute("data-queued")) > 0) window.setTimeout(poll, INTERVAL);
})();
