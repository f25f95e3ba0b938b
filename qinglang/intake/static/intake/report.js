// Reporting zone: focus the error summary, and reveal target fieldsets one at a time.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary") || document.getElementById("track-failure");
  if (summary) {
    summary.focus();
    // A link in the summary puts the keyboard focus on the field it names.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (field) {
        event.preventDefault();
        var hidden = field.closest(".js-collapsed");
        if (hidden) { hidden.classList.remove("js-collapsed"); }
        field.focus();
        field.scrollIntoView({block: "center"});
      }
    });
  } else {
    var result = document.getElementById("track-result");
    if (result) { result.focus(); }
  }
  var button = document.getElementById("add-target");
  if (!button) { return; }
  var hidden = Array.prototype.slice.call(document.querySelectorAll(".target:not(.target-filled)"));
  if (!hidden.length) { return; }
  hidden.forEach(function (el) { el.classList.add("js-collapsed"); });
  button.classList.remove("d-none");
  button.addEventListener("click", function () {
    var next = hidden.shift();
    if (!next) { return; }
    next.classList.remove("js-collapsed");
    var first = next.querySelector("input");
    if (first) { first.focus(); }
    if (!hidden.length) { button.classList.add("d-none"); }
  });
}());
