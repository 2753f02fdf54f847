// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Fallback for plain-http hosts: a hidden textarea and the legacy copy command.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "absolute";
      area.style.left = "-9999px";
      document.body.appendChild(area);
      area.select();
      try {
        document.execCommand("copy") ? resolve() : reject(new Error("copy refused"));
      } catch (error) {
        reject(error);
      } finally {
        document.body.removeChild(area);
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault(); // a copy button inside <summary> must not fold the block
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById("copy-status");
    if (!source) return;
    copyText(source.textContent).then(
      function () {
        button.setAttribute("data-copied", "true");
        if (status) status.textContent = button.getAttribute("data-done") || status.getAttribute("data-done") || "✓";
      },
      function () {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        if (status) status.textContent = status.getAttribute("data-failed") || "Ctrl+C";
      }
    );
  });

  // On a phone the model filters start folded unless one is in use, so the table is in view.
  var box = document.querySelector("[data-collapse-on-phone]");
  if (box && window.matchMedia("(max-width: 40rem)").matches) {
    var params = new URLSearchParams(window.location.search);
    var active = false;
    params.forEach(function (value, key) {
      if (value && ["sort", "page", "currency"].indexOf(key) === -1) active = true;
    });
    if (!active) box.open = false;
  }

  // Empty filter fields stay out of requests, so pushed URLs read ?vendor=zhipu, not ?q=&vendor=zhipu&kind=...
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") return;
    var params = event.detail.parameters;
    Array.from(new Set(Array.from(params.keys()))).forEach(function (name) {
      var values = params.getAll(name);
      if (values.every(function (v) { return v === ""; })) delete params[name];
    });
  });

  // The switches were rendered with the URL the page was loaded with; after HTMX has pushed a
  // new URL (filters, sort, page), switch currency or language from the URL shown instead.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".currency-switch a[data-currency]");
    if (!link) return;
    var url = new URL(window.location.href);
    url.searchParams.set("currency", link.getAttribute("data-currency"));
    link.href = url.pathname + url.search + url.hash;
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("language-switch")) return;
    var next = form.querySelector('input[name="next"]');
    if (next) next.value = window.location.pathname + window.location.search;
  });

  // After the model table changes through a sort link or a page link, keep the filter form's
  // fields in step with the URL, so the next filter change keeps the chosen sort.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var form = document.getElementById("model-filters");
    if (!form) return;
    var params = new URLSearchParams(window.location.search);
    var sort = form.elements.namedItem("sort");
    if (sort) sort.value = params.get("sort") || "name";
  });
})();
