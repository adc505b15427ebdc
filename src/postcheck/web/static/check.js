// postcheck check page. Without this script the page still works: the form posts and the
// server renders the result. With it, the draft is checked as you type (the server renders
// the same result as a fragment, so both read alike), the marks are drawn under the text of
// the draft itself, and the profile is remembered in this browser only.
(function () {
  "use strict";

  var PROFILE_KEY = "postcheck.profile.v1";
  var DEBOUNCE_MS = 400;
  var PROFILE_FIELDS = ["employer", "role", "seniority", "topics", "bio", "platform"];
  var PROFILE_FLAGS = ["advises_ministers", "represents_agency", "shows_employer"];
  var CONTEXT_FIELDS = ["platform", "kind", "visibility", "date", "edition"];

  var $ = function (id) { return document.getElementById(id); };
  var form = $("check-form");
  var text = $("text");
  var marksLayer = $("draft-marks");
  var timer = null;
  var seq = 0;
  var inflight = null;
  var current = 0;  // the finding the person is on, 1-based; 0 for none

  document.documentElement.classList.add("js");
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (n) { n.hidden = false; });

  // --- profile: localStorage only -----------------------------------------------------------
  function loadProfile() {
    var saved = null;
    try { saved = JSON.parse(window.localStorage.getItem(PROFILE_KEY) || "null"); }
    catch (e) { saved = null; }
    if (!saved) { return; }
    // A page the server rendered from a posted form already holds that person's answers.
    if ($("result") && !$("result").classList.contains("empty")) { return; }
    PROFILE_FIELDS.forEach(function (f) { if (typeof saved[f] === "string") { $(f).value = saved[f]; } });
    PROFILE_FLAGS.forEach(function (f) { $(f).checked = !!saved[f]; });
    summarise();
  }

  // A saved profile stays folded, named in one line, so the draft box is near the top.
  function summarise() {
    var who = [$("role").value.trim(), $("employer").value.trim()].filter(Boolean).join(" at ");
    $("profile-summary").textContent = who ? "(" + who + ", kept in this browser only)" : "(kept in this browser only)";
  }

  function saveProfile() {
    summarise();
    var data = {};
    PROFILE_FIELDS.forEach(function (f) { data[f] = $(f).value; });
    PROFILE_FLAGS.forEach(function (f) { data[f] = $(f).checked; });
    try { window.localStorage.setItem(PROFILE_KEY, JSON.stringify(data)); } catch (e) { /* private mode */ }
  }

  function forgetProfile() {
    try { window.localStorage.removeItem(PROFILE_KEY); } catch (e) { /* nothing stored */ }
    PROFILE_FIELDS.forEach(function (f) { $(f).value = f === "seniority" ? "staff" : ""; });
    PROFILE_FLAGS.forEach(function (f) { $(f).checked = false; });
    summarise();
    setStatus("Your profile has been forgotten by this browser.");
    schedule(0);
  }

  // --- the draft box grows with its text, so there is no second scrolling box ---------------
  function fit() {
    text.style.height = "auto";
    text.style.height = (text.scrollHeight + 2) + "px";
  }

  function setStatus(message) {
    var status = $("status");
    if (status.textContent !== message) { status.textContent = message; }
    $("chip").className = "chip";
  }

  // --- checking -----------------------------------------------------------------------------
  function schedule(delay) {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(runCheck, delay);
  }

  function runCheck() {
    timer = null;
    if (inflight) { inflight.abort(); inflight = null; }
    var mine = ++seq;
    if (!text.value.trim()) {
      clearMarks();
      setStatus($("platform").value ? "Type or paste your draft to check it." :
        "Choose a platform, then type or paste your draft.");
      return;
    }
    var sent = text.value;
    var controller = window.AbortController ? new AbortController() : null;
    inflight = controller;
    $("status").setAttribute("aria-busy", "true");
    fetch("/check/result", {
      method: "POST",
      body: new FormData(form),
      signal: controller ? controller.signal : undefined,
      credentials: "same-origin"
    }).then(function (resp) {
      return resp.text().then(function (html) { return { status: resp.status, html: html }; });
    }).then(function (r) {
      if (mine !== seq) { return; }  // a newer check has started: this answer is stale
      $("status").removeAttribute("aria-busy");
      if (r.status !== 200 && r.status !== 422) {
        setStatus("Could not check (" + r.status + "). Press Check to try again.");
        return;
      }
      apply(r.html, sent);
    }).catch(function (err) {
      if (err && err.name === "AbortError") { return; }
      if (mine !== seq) { return; }
      $("status").removeAttribute("aria-busy");
      setStatus("Could not reach postcheck on this machine. Is it still running?");
    });
  }

  // The fragment is our own server's template output, in which every piece of the draft and
  // the report is escaped; it is parsed inert and its nodes moved in, never run.
  function apply(html, sent) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var chip = doc.getElementById("chip");
    var results = doc.getElementById("results");
    if (!chip || !results) { setStatus("The server sent an unreadable answer."); return; }
    var wasOpen = $("share") && $("share").open;
    var note = $("share-note") ? $("share-note").value : "";
    var status = $("status");
    var fresh = chip.querySelector("#status");
    if (status.textContent !== fresh.textContent) {
      status.replaceChildren.apply(status, Array.prototype.map.call(fresh.childNodes, adopt));
    }
    $("chip").className = chip.className;
    $("results").replaceChildren.apply($("results"), Array.prototype.map.call(results.childNodes, adopt));
    Array.prototype.forEach.call($("results").querySelectorAll(".js-only"), function (n) { n.hidden = false; });
    var count = $("results").querySelectorAll("li.finding").length;
    $("prev-finding").disabled = $("next-finding").disabled = count === 0;
    current = 0;
    if ($("share")) {
      $("share").open = !!wasOpen;
      $("share-note").value = note;
      showNote();
    }
    wireResults();
    drawMarks(sent);
  }

  function adopt(node) { return document.importNode(node, true); }

  // --- marks under the draft ----------------------------------------------------------------
  function clearMarks() { marksLayer.replaceChildren(); }

  function drawMarks(sent) {
    var marked = $("marked");
    if (!marked || text.value !== sent) { clearMarks(); return; }
    var copy = marked.cloneNode(true);
    // The layer must hold exactly the draft's characters to line up with it.
    Array.prototype.forEach.call(copy.querySelectorAll(".marker"), function (m) { m.remove(); });
    var nodes = Array.prototype.slice.call(copy.childNodes);
    // A trailing newline in a textarea opens a line; in a div it needs something after it.
    nodes.push(document.createTextNode("\u200b"));
    marksLayer.replaceChildren.apply(marksLayer, nodes);
    highlightCurrent();
  }

  function highlightCurrent() {
    Array.prototype.forEach.call(marksLayer.querySelectorAll("mark"), function (m) {
      var ns = (m.getAttribute("data-findings") || "").split(" ");
      m.classList.toggle("current", current > 0 && ns.indexOf(String(current)) >= 0);
    });
    Array.prototype.forEach.call(document.querySelectorAll("li.finding"), function (li) {
      li.classList.toggle("current", li.id === "finding-" + current);
    });
  }

  // Where the caret sits in the draft, which finding is that? (Like an editor's side panel.)
  function findingAtCaret() {
    var pos = text.selectionStart;
    var at = 0;
    var found = 0;
    Array.prototype.forEach.call(marksLayer.childNodes, function (n) {
      var len = n.textContent.length;
      if (!found && n.nodeName === "MARK" && pos >= at && pos <= at + len) {
        found = parseInt((n.getAttribute("data-findings") || "0").split(" ")[0], 10) || 0;
      }
      at += len;
    });
    if (found && found !== current) { current = found; highlightCurrent(); }
  }

  // --- next / previous finding --------------------------------------------------------------
  function go(step) {
    var items = document.querySelectorAll("li.finding");
    if (!items.length) { return; }
    var n = items.length;
    if (current < 1 || current > n) { current = step > 0 ? 1 : n; }
    else { current = ((current - 1 + step + n) % n) + 1; }
    highlightCurrent();
    var item = $("finding-" + current);
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  // --- share with my manager ----------------------------------------------------------------
  function showNote() {
    var note = $("share-note").value.trim();
    $("share-note-out").hidden = !note;
    $("share-note-text").textContent = note;
  }

  function copyShare() {
    var done = function (msg) { $("copy-status").textContent = msg; };
    var body = $("share-body").innerText;
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(body).then(function () { done("Copied."); },
        function () { done("Copying was blocked: select the summary and copy it instead."); });
    } else {
      done("Copying is not available here: select the summary and copy it instead.");
    }
  }

  function printShare() {
    document.body.classList.add("sharing");
    window.print();
  }

  // Results are replaced on every check, so their controls are wired again each time.
  // The rewrite is the rule's mechanical edit of the draft: put it in the text box and check
  // it again, so the person sees at once whether anything is left to change.
  function useRewrite(e) {
    text.value = e.currentTarget.getAttribute("data-rewrite");
    fit();
    clearMarks();
    text.focus();
    schedule(0);
  }

  function wireResults() {
    Array.prototype.forEach.call(document.querySelectorAll("button.use-rewrite"), function (b) {
      b.hidden = false;
      b.addEventListener("click", useRewrite);
    });
    if (!$("share")) { return; }
    $("share-note").addEventListener("input", showNote);
    $("print-button").addEventListener("click", printShare);
    $("copy-button").addEventListener("click", copyShare);
  }

  // --- wiring -------------------------------------------------------------------------------
  form.addEventListener("submit", function (e) { e.preventDefault(); schedule(0); });
  text.addEventListener("input", function () { fit(); clearMarksIfStale(); schedule(DEBOUNCE_MS); });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); schedule(0); }
  });
  text.addEventListener("click", findingAtCaret);
  text.addEventListener("keyup", findingAtCaret);
  function clearMarksIfStale() { if (marksLayer.textContent.replace("\u200b", "") !== text.value) { clearMarks(); } }
  CONTEXT_FIELDS.forEach(function (f) { $(f).addEventListener("change", function () { schedule(0); }); });
  PROFILE_FIELDS.concat(PROFILE_FLAGS).forEach(function (f) {
    var node = $(f);
    node.addEventListener(node.type === "checkbox" || node.tagName === "SELECT" ? "change" : "input", function () {
      saveProfile();
      schedule(DEBOUNCE_MS);
    });
  });
  $("forget").addEventListener("click", forgetProfile);
  $("next-finding").addEventListener("click", function () { go(1); });
  $("prev-finding").addEventListener("click", function () { go(-1); });
  document.addEventListener("keydown", function (e) {
    // Alt+Down opens a focused drop-down on Windows: leave that to the select.
    if (e.altKey && (e.key === "ArrowDown" || e.key === "ArrowUp") && e.target.tagName !== "SELECT") {
      e.preventDefault();
      go(e.key === "ArrowDown" ? 1 : -1);
    }
  });
  window.addEventListener("afterprint", function () { document.body.classList.remove("sharing"); });
  window.addEventListener("resize", fit);

  loadProfile();
  fit();
  wireResults();
  if ($("marked")) { drawMarks(text.value); }
  else if (text.value.trim()) { schedule(0); }
}());
