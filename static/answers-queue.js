/* The queue of answers to check, by keyboard: j or ↓ next, k or ↑ previous, Enter opens the
   answer beside its page, c confirms it as right. Without this file the links and buttons do
   the same. No dependencies. */
(function () {
  "use strict";
  var table = document.querySelector("[data-answer-queue]");
  if (!table) return;
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-answer]"));
  if (!rows.length) return;
  var keys = document.querySelector("[data-keys]");
  if (keys) keys.hidden = false;
  var current = -1;

  function select(index) {
    if (index < 0 || index >= rows.length) return;
    if (current >= 0) {
      rows[current].classList.remove("current");
      rows[current].removeAttribute("aria-current");
    }
    current = index;
    var row = rows[current];
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function typing(target) {
    var name = target && target.tagName;
    return name === "INPUT" || name === "TEXTAREA" || name === "SELECT" ||
      (target && target.isContentEditable);
  }

  rows.forEach(function (row, index) {
    row.setAttribute("tabindex", "-1");
    row.addEventListener("focusin", function () {
      if (current !== index) select(index);
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (typing(event.target)) return;
    var onControl = event.target.tagName === "A" || event.target.tagName === "BUTTON";
    var row = rows[current];
    switch (event.key) {
      case "j":
      case "ArrowDown":
        select(Math.min(current + 1, rows.length - 1));
        break;
      case "k":
      case "ArrowUp":
        select(Math.max(current - 1, 0));
        break;
      case "Enter":
        if (onControl) return; // the focused link or button does its own thing
        window.location.assign(row.querySelector("[data-open]").href);
        break;
      case "c":
        var form = row.querySelector("form[data-confirm]");
        if (!form) return;
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  var start = 0;
  rows.forEach(function (row, index) {
    if ("#" + row.id === window.location.hash) start = index;
  });
  select(start);
})();
