// Polls a scan's status and updates the progress bar until the report is ready.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var status = document.getElementById("job-status");
  var bar = document.getElementById("job-progress");
  var report = document.getElementById("job-report");
  var lastMsg = status.textContent.trim();

  function say(msg) { if (msg !== lastMsg) { status.textContent = msg; lastMsg = msg; } }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
      .then(function (r) {
        if (!r.ok) { say(r.d && r.d.detail ? r.d.detail : "This scan is no longer available."); bar.hidden = true; return; }
        var s = r.d;
        if (s.total) { bar.max = s.total; bar.value = s.done; }
        if (s.state === "done") {
          bar.hidden = true;
          report.hidden = false;
          var sum = s.summary || {};
          say("Finished: " + (sum.posts !== undefined ? sum.posts : s.done) + " posts checked, " +
            (sum.listed !== undefined ? sum.listed : "?") + " to review.");
          document.getElementById("report-link").focus();
          return;
        }
        if (s.state === "failed") { bar.hidden = true; say("The scan did not finish: " + s.error); return; }
        say("Working: " + s.stage + (s.done ? ", " + s.done + (s.total ? " of " + s.total : "") + " posts checked" : "") + "…");
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  var state = box.getAttribute("data-state");
  if (state === "queued" || state === "running") { poll(); }
}());
