/* The public page's table, filtered and sorted in the browser (the links and the filter form
   do the same on the server without JavaScript), and copy buttons for the embed snippets. */
(function () {
  "use strict";

  function setupTable() {
    var table = document.getElementById("answers-table");
    var input = document.getElementById("table-q");
    if (!table || !table.tBodies.length) return;
    var body = table.tBodies[0];
    var count = document.querySelector(".table-count");
    var rows = Array.prototype.slice.call(body.rows).filter(function (row) {
      return !row.querySelector("td.empty");
    });

    function showCount(shown) {
      if (!count) return;
      count.textContent = shown + " of " + (count.getAttribute("data-total") || rows.length) +
        " authorities";
    }

    function filter() {
      var needle = (input.value || "").trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var match = !needle || row.textContent.toLowerCase().indexOf(needle) >= 0;
        row.hidden = !match;
        if (match) shown += 1;
      });
      showCount(shown);
    }

    if (input) {
      input.addEventListener("input", filter);
      if (input.form) {
        input.form.addEventListener("submit", function (event) {
          event.preventDefault();
          filter();
        });
      }
    }

    function value(row, index) {
      var cell = row.cells[index];
      if (!cell) return "";
      var raw = cell.getAttribute("data-sort-value");
      return raw === null ? cell.textContent.trim().toLowerCase() : raw;
    }

    function compare(a, b) {
      var x = Number(a), y = Number(b);
      if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) return x - y;
      return a < b ? -1 : a > b ? 1 : 0;
    }

    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (header, index) {
      var link = header.querySelector("a.sort-link");
      if (!link) return;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) {
          other.removeAttribute("aria-sort");
        });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var sorted = rows.slice().sort(function (a, b) {
          var order = compare(value(a, index), value(b, index));
          if (order === 0) order = compare(value(a, 0), value(b, 0));
          return ascending ? order : -order;
        });
        sorted.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function setupCopyButtons() {
    var buttons = document.querySelectorAll("button.copy-embed");
    Array.prototype.forEach.call(buttons, function (button) {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      if (!target) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        target.select();
        var done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(target.value).then(done, function () {
            document.execCommand("copy");
            done();
          });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  function start() {
    setupTable();
    setupCopyButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
