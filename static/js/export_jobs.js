/* 我的导出: while a job is queued or running, ask its status (governance/export_views.py,
   JSON) every second and move its progress bar; when it is done, show its download link.
   Loaded from static/ only (Content-Security-Policy); the texts come translated from the server. */
(function () {
  "use strict";
  var INTERVAL = 1000;

  function field(row, name) { return row.querySelector('[data-field="' + name + '"]'); }

  function show(row, status) {
    var progress = field(row, "progress");
    var bar = progress.firstElementChild;
    progress.setAttribute("aria-valuenow", status.percent);
    bar.style.width = status.percent + "%";
    bar.textContent = status.percent + "%";
    var state = field(row, "state");
    state.textContent = status.state_label;
    state.className = "badge text-bg-" + (status.download_url ? "success" : status.state === "failed" ? "danger" : status.live ? "primary" : "secondary");
    field(row, "rows").textContent = status.rows;
    field(row, "error").textContent = status.error;
    field(row, "file").textContent = status.file;
    field(row, "expires").textContent = status.expires;
    var link = field(row, "download");
    if (status.download_url) {
      link.href = status.download_url;
      link.classList.remove("d-none");
    }
    if (!status.live) {
      bar.classList.remove("progress-bar-striped", "progress-bar-animated");
      row.removeAttribute("data-status-url");
    }
  }

  function poll() {
    var rows = document.querySelectorAll("[data-status-url]");
    if (!rows.length) return;
    var pending = rows.length;
    rows.forEach(function (row) {
      fetch(row.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (status) { if (status) show(row, status); })
        .catch(function () { /* the next round asks again */ })
        .then(function () { if (--pending === 0) window.setTimeout(poll, INTERVAL); });
    });
  }

  window.setTimeout(poll, INTERVAL);
})();
