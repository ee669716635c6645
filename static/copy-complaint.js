// Copy with the Clipboard API, else by selecting the text: no outside script needed.
(function () {
  var button = document.getElementById("copy-complaint");
  var text = document.getElementById("complaint-text");
  var status = document.getElementById("copy-status");
  function selected() {
    text.focus();
    text.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    status.textContent = ok ? "Copied." : "Selected: press Ctrl+C (or ⌘C) to copy.";
  }
  button.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text.value).then(function () {
        status.textContent = "Copied.";
      }, selected);
    } else {
      selected();
    }
  });
})();
