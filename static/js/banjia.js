// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The model filters' search box asks as you type ("input ... from:#id_q"); its change event
  // must not ask a second time. An htmx event filter (change[...]) would need eval, which the
  // Content-Security-Policy forbids, so the event stops here instead.
  document.addEventListener(
    "change",
    function (event) {
      if (event.target.type === "search" && event.target.closest("#model-filters")) event.stopPropagation();
    },
    true
  );

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
    event.preventDefault();
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
    // "Reset" clears the filters but keeps the models ticked for comparison (?m=).
    var reset = form.querySelector("[data-reset]");
    if (reset) {
      var picks = new URLSearchParams();
      params.getAll("m").forEach(function (key) { picks.append("m", key); });
      var query = picks.toString();
      reset.href = window.location.pathname + (query ? "?" + query : "");
    }
  });
  // HTMX swaps whole regions (outerHTML), and a live region that is itself replaced is not read
  // out. So the new region's short summary ([data-announce]: "3 models", the OpenAI baseline) is
  // copied into the page's one persistent status region.
  function announce(root) {
    var status = document.getElementById("live-status");
    if (!status || !root || !root.querySelector) return;
    // Every summary in the region: the model count, and the compare tray ("Selected for
    // comparison (2/4)", or why a fifth pick was not added).
    var sources = root.matches("[data-announce]") ? [root] : Array.from(root.querySelectorAll("[data-announce]"));
    if (!sources.length) return;
    var text = sources.map(function (source) {
      return source.textContent.replace(/\s+/g, " ").trim();
    }).join(" · ");
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = text;
    }, 50);
  }

  // Each error sits in a <span id="<field id>-errors"> beside its field; the estimate page
  // refreshes them out of band while the fields stay. Keep every field's aria-invalid and
  // aria-describedby in step with its error, so a screen reader reads it with the field.
  function linkErrors() {
    document.querySelectorAll(".error[id$='-errors']").forEach(function (error) {
      var field = document.getElementById(error.id.slice(0, -"-errors".length));
      if (!field) return;
      var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      var failed = error.textContent.trim() !== "";
      if (failed) {
        field.setAttribute("aria-invalid", "true");
        if (ids.indexOf(error.id) === -1) ids.push(error.id);
      } else {
        field.removeAttribute("aria-invalid");
        ids = ids.filter(function (id) { return id !== error.id; });
      }
      if (ids.length) field.setAttribute("aria-describedby", ids.join(" "));
      else field.removeAttribute("aria-describedby");
      var cell = field.closest(".usage-cell, .field");
      if (cell) cell.classList.toggle("has-error", failed);
    });
  }
  linkErrors();

  // A keyboard user who pressed "Add a line" or a line's remove button (or a compare "Remove"
  // link) would otherwise be left on <body> when the region with that button is replaced.
  var trigger = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    trigger = event.detail.elt;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    // After an outerHTML swap, detail.target is the element that was replaced: find its successor.
    var target = event.detail.target;
    if (target && target.id) target = document.getElementById(target.id);
    linkErrors();
    if (target && target.id !== "estimate-body") announce(target);
    var lost = !document.activeElement || document.activeElement === document.body;
    if (!lost || !trigger || document.contains(trigger)) return;
    var next = null;
    if (trigger.name === "add_line") {
      var selects = document.querySelectorAll("tr.usage-line select[name$='-model']");
      next = selects[selects.length - 1];
    } else if (trigger.name === "remove_line") {
      next = document.querySelector("button[name=add_line]") || document.querySelector("tr.usage-line select");
    } else if (trigger.classList && trigger.classList.contains("unpick")) {
      // A model taken out of the compare tray: on to the next one, or to the Compare button.
      next = document.querySelector("#compare-tray .unpick") || document.querySelector("#compare-tray button");
    } else if (trigger.id && document.getElementById(trigger.id)) {
      // A ticked compare checkbox comes back in the new table with the same id.
      next = document.getElementById(trigger.id);
    } else if (target) {
      next = target;
      if (!next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
    }
    if (next) next.focus();
  });
})();
