// The receipt page: the print button prints the receipt (saving works without script).
(function () {
  "use strict";
  var button = document.getElementById("print-receipt");
  if (!button) { return; }
  button.classList.remove("d-none");
  button.addEventListener("click", function () { window.print(); });
})();
