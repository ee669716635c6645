// Keep the button's count in step with the ticked boxes (the form works without this).
(function () {
  var form = document.getElementById("chase-form");
  var count = form && form.querySelector("[data-count]");
  if (!count) return;
  form.addEventListener("change", function () {
    count.textContent = form.querySelectorAll("input[name=selected]:checked").length;
  });
})();
