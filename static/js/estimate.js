// The estimate page (templates/offers/estimate.html): a new result keeps the vendor details the
// user had opened, so changing a model in one of them does not fold it away.
(function () {
  "use strict";
  var open = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "estimate-result") {
      open = Array.prototype.map.call(
        event.detail.target.querySelectorAll("details[open][id]"),
        function (d) { return d.id; }
      );
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!open) return;
    open.forEach(function (id) {
      var details = document.getElementById(id);
      if (details) details.open = true;
    });
    open = null;
  });
})();
