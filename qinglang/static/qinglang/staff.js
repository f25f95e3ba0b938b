/* Staff pages: forms disable on submit; queue shortcuts (j/k/a/d/s); Ctrl-K quick search; ? help. */
(function () {
  "use strict";

  // A submitted form disables its buttons so a double click cannot send it twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") return;
    if (event.defaultPrevented) return;
    form.setAttribute("aria-busy", "true");
    setTimeout(function () {
      form.querySelectorAll("button, input[type=submit]").forEach(function (b) {
        b.disabled = true;
      });
    }, 0);
  });
  // Coming back through the browser's history shows live buttons again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[aria-busy]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button, input[type=submit]").forEach(function (b) {
        b.disabled = false;
      });
    });
  });

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function dialog(id) {
    var el = document.getElementById(id);
    return el && window.bootstrap ? window.bootstrap.Modal.getOrCreateInstance(el) : null;
  }

  var queue = document.querySelector("[data-keyboard-queue]");
  var rows = queue ? Array.prototype.slice.call(queue.querySelectorAll("tbody tr[data-report-id]")) : [];
  var current = -1;

  function focusRow(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) {
      row.classList.toggle("table-active", i === current);
      row.setAttribute("aria-selected", i === current ? "true" : "false");
    });
    rows[current].scrollIntoView({ block: "nearest" });
    var link = rows[current].querySelector("a");
    if (link) link.focus({ preventScroll: true });
  }

  function acceptCurrent() {
    var form = document.getElementById("bulk-form");
    if (!form || current < 0) return;
    form.querySelectorAll("input[name=ids]").forEach(function (box) {
      box.checked = box.value === rows[current].dataset.reportId;
    });
    form.querySelector("[name=action]").value = "accept";
    form.requestSubmit();
  }

  function openCurrent(anchor) {
    if (current < 0) return;
    window.location.href = rows[current].dataset.detailUrl + (anchor || "");
  }

  function onDetail(key) {
    var accept = document.getElementById("accept-form");
    var decline = document.getElementById("decline-form");
    var assign = document.getElementById("assign-form");
    if (key === "a" && accept) accept.requestSubmit();
    else if (key === "d" && decline) decline.querySelector("select, textarea").focus();
    else if (key === "s" && assign) assign.querySelector("select").focus();
    else return false;
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
      var search = dialog("quick-search");
      if (search) {
        event.preventDefault();
        search.show();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "?") {
      var help = dialog("shortcut-help");
      if (help) help.show();
      return;
    }
    if (rows.length) {
      if (key === "j") focusRow(current + 1);
      else if (key === "k") focusRow(current - 1);
      else if (key === "Enter" && current >= 0) openCurrent("");
      else if (key === "a") acceptCurrent();
      else if (key === "d") openCurrent("#decline-form");
      else if (key === "s") openCurrent("#assign-form");
      else return;
      event.preventDefault();
    } else if (onDetail(key)) {
      event.preventDefault();
    }
  });

  var search = document.getElementById("quick-search");
  if (search) {
    search.addEventListener("shown.bs.modal", function () {
      search.querySelector("input[name=q]").focus();
    });
  }
  // Arriving from the queue with #decline-form or #assign-form: put the cursor there.
  if (window.location.hash === "#decline-form" || window.location.hash === "#assign-form") {
    var target = document.querySelector(window.location.hash + " select, " + window.location.hash + " textarea");
    if (target) target.focus();
  }
})();
