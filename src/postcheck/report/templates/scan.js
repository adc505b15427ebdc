(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("#worst-first > li.item"));
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".risk-filter"));
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  function apply() {
    var on = {}; boxes.forEach(function (b) { on[b.value] = b.checked; });
    var q = (search.value || "").toLowerCase(); var n = 0;
    items.forEach(function (li) {
      var ok = on[li.getAttribute("data-risk")] && (!q || li.textContent.toLowerCase().indexOf(q) >= 0);
      li.hidden = !ok; if (ok) { n++; }
    });
    shown.textContent = n + " of " + items.length + " shown";
  }
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  apply();

  // Reviews: kept in memory and offered as a baseline file the CLI reads (--baseline).
  // The file holds fingerprints and hashes only, never the post text shown in this page.
  var body = document.body;
  var rulesVersion = body.getAttribute("data-rules-version");
  var fileName = body.getAttribute("data-baseline-name") || "reviewed.json";
  var data;
  try { data = JSON.parse(document.getElementById("baseline-data").textContent); } catch (e) { data = null; }
  if (!data || !Array.isArray(data.entries)) { data = {schema: "postcheck.baseline", version: 1, entries: []}; }
  var before = data.entries.length;
  var added = {};
  var bar = document.getElementById("review-bar");
  var status = document.getElementById("review-status");
  var download = document.getElementById("review-download");
  if (!bar || !items.length) { return; }
  bar.hidden = false;
  var PLACEHOLDER = "TODO: say why this post is acceptable";

  function today() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }
  function count() { return Object.keys(added).length; }
  function update() {
    var n = count();
    download.disabled = n === 0;
    status.textContent = n === 0
      ? "Mark a post as reviewed with the button under it. Your reviews stay in this page until you download them."
      : n + " marked as reviewed in this page. Download " + fileName + " to keep them" +
        (before ? " (it includes the " + before + " earlier review(s))." : ".");
  }
  function toggle(el, button, reasonInput, label) {
    var entry = JSON.parse(el.getAttribute("data-entry"));
    if (added[entry.fingerprint]) {
      delete added[entry.fingerprint];
      button.textContent = label;
      button.setAttribute("aria-pressed", "false");
      el.classList.remove("is-reviewed");
    } else {
      entry.rules_version = rulesVersion;
      entry.reason = (reasonInput.value || "").trim() || PLACEHOLDER;
      entry.reviewed = today();
      if (!entry.finding) { delete entry.finding; }
      added[entry.fingerprint] = entry;
      button.textContent = "Reviewed (undo)";
      button.setAttribute("aria-pressed", "true");
      el.classList.add("is-reviewed");
    }
    update();
  }
  items.forEach(function (li) {
    var id = li.id + "-reason";
    var box = document.createElement("div");
    box.className = "review";
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = "Why it's acceptable:";
    var input = document.createElement("input");
    input.type = "text"; input.id = id; input.placeholder = "e.g. checked with my manager";
    var button = document.createElement("button");
    button.type = "button"; button.className = "mark-reviewed";
    var text = "Mark post as reviewed";
    button.textContent = text; button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () { toggle(li, button, input, text); });
    box.appendChild(label); box.appendChild(input); box.appendChild(button);
    li.appendChild(box);
    var findings = li.querySelectorAll(".finding[data-entry]");
    if (findings.length > 1) {
      Array.prototype.forEach.call(findings, function (f) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "mark-finding";
        var t = "Mark only this finding as reviewed";
        b.textContent = t; b.setAttribute("aria-pressed", "false");
        b.addEventListener("click", function () { toggle(f, b, input, t); });
        f.appendChild(b);
      });
    }
  });
  download.addEventListener("click", function () {
    var byFp = {};
    data.entries.forEach(function (e) { byFp[e.fingerprint] = e; });
    Object.keys(added).forEach(function (k) { byFp[k] = added[k]; });
    var out = {schema: "postcheck.baseline", version: 1, entries: Object.keys(byFp).map(function (k) { return byFp[k]; })};
    var blob = new Blob([JSON.stringify(out, null, 1) + "\n"], {type: "application/json"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = fileName;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  });
  update();
})();
