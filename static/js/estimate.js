// The estimate page (templates/offers/estimate.html): a new result keeps the vendor details the
// user had opened, so changing a model in one of them does not fold it away. They are opened again
// once htmx has processed the new result (afterSettle), so that opening one whose detail is not on
// the page loads it (its hx-trigger is "toggle once").
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
  document.addEventListener("htmx:afterSettle", function () {
    if (!open) return;
    open.forEach(function (id) {
      var details = document.getElementById(id);
      if (details) details.open = true;
    });
    open = null;
  });
})();

// The outcome of an upload (success or error) is at the top of the page: move the focus there so
// that screen readers read it first.
(function () {
  "use strict";
  function focusOutcome() {
    var outcome = document.querySelector("[data-focus]");
    if (outcome) outcome.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusOutcome);
  } else {
    focusOutcome();
  }
})();

// "Copy link": shown only where the clipboard can be written; the plain link works everywhere.
(function () {
  "use strict";
  function setUp(root) {
    if (!navigator.clipboard) return;
    Array.prototype.forEach.call(root.querySelectorAll("button.copy-link[data-copy]"), function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.copy-link[data-copy]");
    if (!button) return;
    var status = button.parentNode.querySelector(".copy-status");
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(
      function () { if (status) status.textContent = button.getAttribute("data-done"); },
      function () { if (status) status.textContent = button.getAttribute("data-failed"); }
    );
  });
  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSwap", function (event) { setUp(event.detail.target.parentNode || document); });
})();
