// postcheck check page: check as you type, render the Report, keep the profile in this
// browser only. Served as a file (never inline) so the CSP can forbid inline script; every
// piece of text from the report is inserted with textContent, never as markup.
(function () {
  "use strict";

  var PROFILE_KEY = "postcheck.profile.v1";
  var DEBOUNCE_MS = 400;
  var PROFILE_FIELDS = ["employer", "role", "seniority", "topics", "bio"];
  var PROFILE_FLAGS = ["advises_ministers", "represents_agency", "shows_employer"];
  var CONTEXT_FIELDS = ["platform", "kind", "visibility", "date", "edition"];

  var $ = function (id) { return document.getElementById(id); };
  var form = $("check-form");
  var text = $("text");
  var statusEl = $("status");
  var resultEl = $("result");
  var timer = null;
  var seq = 0;
  var inflight = null;
  var lastReport = null;
  var lastText = "";
  var lastContext = null;
  var lastAnnounced = "";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") { node.textContent = attrs[k]; }
        else if (k === "class") { node.className = attrs[k]; }
        else { node.setAttribute(k, attrs[k]); }
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // --- profile: localStorage only -----------------------------------------------------------
  function loadProfile() {
    var saved = null;
    try { saved = JSON.parse(window.localStorage.getItem(PROFILE_KEY) || "null"); }
    catch (e) { saved = null; }
    if (!saved) { return; }
    PROFILE_FIELDS.forEach(function (f) { if (typeof saved[f] === "string") { $(f).value = saved[f]; } });
    PROFILE_FLAGS.forEach(function (f) { $(f).checked = !!saved[f]; });
    if (saved.employer || saved.role) { $("profile-details").open = true; }
  }

  function saveProfile() {
    var data = {};
    PROFILE_FIELDS.forEach(function (f) { data[f] = $(f).value; });
    PROFILE_FLAGS.forEach(function (f) { data[f] = $(f).checked; });
    try { window.localStorage.setItem(PROFILE_KEY, JSON.stringify(data)); } catch (e) { /* private mode */ }
  }

  function forgetProfile() {
    try { window.localStorage.removeItem(PROFILE_KEY); } catch (e) { /* nothing stored */ }
    PROFILE_FIELDS.forEach(function (f) { $(f).value = f === "seniority" ? "staff" : ""; });
    PROFILE_FLAGS.forEach(function (f) { $(f).checked = false; });
    announce("Your profile has been forgotten by this browser.");
    schedule(0);
  }

  // --- request ------------------------------------------------------------------------------
  function author() {
    var topics = $("topics").value.split(",").map(function (t) { return t.trim(); })
      .filter(function (t) { return t.length > 0; });
    var a = {
      seniority: $("seniority").value,
      topics: topics,
      advises_ministers: $("advises_ministers").checked,
      represents_agency: $("represents_agency").checked,
      shows_employer: $("shows_employer").checked
    };
    ["employer", "role", "bio"].forEach(function (f) {
      var v = $(f).value.trim();
      if (v) { a[f] = v; }
    });
    return a;
  }

  function requestBody() {
    var body = {
      id: "draft",
      text: text.value,
      platform: $("platform").value,
      kind: $("kind").value,
      visibility: $("visibility").value,
      author: author()
    };
    if ($("date").value) { body.date = $("date").value; }
    return body;
  }

  function announce(message) {
    if (message !== lastAnnounced) {
      statusEl.textContent = message;
      lastAnnounced = message;
    }
  }

  function schedule(delay) {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(runCheck, delay);
  }

  function runCheck() {
    timer = null;
    if (!text.value.trim()) {
      if (inflight) { inflight.abort(); inflight = null; }
      seq++;
      statusEl.removeAttribute("aria-busy");
      resultEl.hidden = true;
      lastReport = null;
      announce("Type or paste a draft to check it.");
      return;
    }
    var mine = ++seq;
    if (inflight) { inflight.abort(); }
    var controller = window.AbortController ? new AbortController() : null;
    inflight = controller;
    var body = requestBody();
    var edition = $("edition").value;
    var url = "/api/check" + (edition ? "?edition=" + encodeURIComponent(edition) : "");
    statusEl.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined,
      credentials: "same-origin"
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, status: resp.status, data: data }; },
        function () { return { ok: false, status: resp.status, data: { detail: "The server sent an unreadable answer." } }; });
    }).then(function (r) {
      if (mine !== seq) { return; }  // a newer check has started: this answer is stale
      statusEl.removeAttribute("aria-busy");
      if (!r.ok) {
        showError(r.data && r.data.detail ? r.data.detail : "The check failed (" + r.status + ").");
        return;
      }
      render(r.data, body);
    }).catch(function (err) {
      if (err && err.name === "AbortError") { return; }
      if (mine !== seq) { return; }
      statusEl.removeAttribute("aria-busy");
      showError("Could not reach postcheck on this machine. Is it still running?");
    });
  }

  function showError(message) {
    resultEl.hidden = true;
    announce("Could not check: " + (typeof message === "string" ? message : JSON.stringify(message)));
  }

  // --- offsets: the engine counts code points, JavaScript strings count UTF-16 units ---------
  function codePointToUnit(s) {
    var map = [0];
    var unit = 0;
    for (var ch of s) { unit += ch.length; map.push(unit); }
    return function (cp) { return map[Math.max(0, Math.min(cp, map.length - 1))]; };
  }

  var LEVELS = { none: 0, low: 1, medium: 2, high: 3 };

  function highlighted(s, findings) {
    var toUnit = codePointToUnit(s);
    var spans = [];
    findings.forEach(function (f, i) {
      (f.spans || []).forEach(function (sp) {
        var a = toUnit(sp.start), b = toUnit(sp.end);
        if (b > a) { spans.push({ start: a, end: b, level: f.level, n: i + 1 }); }
      });
    });
    var frag = document.createDocumentFragment();
    if (!spans.length) { frag.appendChild(document.createTextNode(s)); return { node: frag, count: 0 }; }
    // Split at every span edge so overlapping findings still mark each character once.
    var cuts = [0, s.length];
    spans.forEach(function (sp) { cuts.push(sp.start, sp.end); });
    cuts = cuts.filter(function (v, i, arr) { return arr.indexOf(v) === i; }).sort(function (x, y) { return x - y; });
    var count = 0;
    for (var i = 0; i < cuts.length - 1; i++) {
      var a = cuts[i], b = cuts[i + 1];
      var piece = s.slice(a, b);
      var covering = spans.filter(function (sp) { return sp.start <= a && sp.end >= b; });
      if (!covering.length) { frag.appendChild(document.createTextNode(piece)); continue; }
      var top = covering.reduce(function (m, sp) { return LEVELS[sp.level] > LEVELS[m.level] ? sp : m; });
      var nums = covering.map(function (sp) { return sp.n; })
        .filter(function (v, k, arr) { return arr.indexOf(v) === k; });
      frag.appendChild(el("mark", { "class": "level-" + top.level }, [piece]));
      count++;
      var endsHere = covering.filter(function (sp) { return sp.end === b; });
      if (endsHere.length) {
        frag.appendChild(el("sup", { "class": "ref" }, nums.map(function (n, k) {
          var link = el("a", { href: "#finding-" + n, text: String(n) });
          link.setAttribute("aria-label", "finding " + n);
          return k ? el("span", null, [" ", link]) : link;
        })));
      }
    }
    return { node: frag, count: count };
  }

  // --- rendering ----------------------------------------------------------------------------
  function verdictText(report) {
    return report.verdict.charAt(0).toUpperCase() + report.verdict.slice(1);
  }

  // Clause paraphrases come from /api/guidance, fetched once: a finding names its clause by
  // id, and the person should read what the clause says, not only where it is.
  var CLAUSES = {};
  fetch("/api/guidance", { headers: { "Accept": "application/json" }, credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (g) {
      if (!g) { return; }
      Object.keys(g.editions).forEach(function (ed) {
        CLAUSES[ed] = {};
        g.editions[ed].clauses.forEach(function (c) { CLAUSES[ed][c.id] = c; });
      });
      if (lastReport) { render(lastReport, lastContext); }
    })
    .catch(function () { /* the findings still name section and heading */ });

  function paraphrase(clause) {
    var c = CLAUSES[clause.edition] && CLAUSES[clause.edition][clause.id];
    return c ? c.paraphrase : "";
  }

  function clauseLine(clause, editionTitles, brief) {
    var parts = [];
    parts.push(el("span", { "class": "clause-ref", text: "§" + clause.section + " " + clause.heading }));
    if (clause.heading_mi) {
      parts.push(" (");
      parts.push(el("span", { lang: "mi", "class": "mi", text: clause.heading_mi }));
      parts.push(")");
    }
    var said = paraphrase(clause);
    if (said) { parts.push(el("span", { "class": "paraphrase", text: "In our words: " + said })); }
    if (!brief) {
      parts.push(el("span", { "class": "clause-src" }, [
        (editionTitles[clause.edition] || clause.edition) + " · ",
        el("a", { href: clause.url, rel: "noreferrer", text: "read it at the source" })
      ]));
    }
    return parts;
  }

  var EDITION_TITLES = {};
  Array.prototype.forEach.call($("edition").options, function (o) { if (o.value) { EDITION_TITLES[o.value] = o.textContent; } });

  function render(report, body) {
    lastReport = report;
    lastText = body.text;
    lastContext = body;
    var findings = report.findings || [];
    resultEl.hidden = false;
    var verdict = $("verdict");
    verdict.className = "verdict risk-" + report.risk;
    $("verdict-word").textContent = verdictText(report);
    $("summary").textContent = report.summary || "";

    var flags = $("flags");
    clear(flags);
    if (report.out_of_scope) { flags.appendChild(el("li", { text: "Official account: outside this guidance" })); }
    if (report.uncertain) { flags.appendChild(el("li", { text: "Borderline: use your judgement" })); }
    if (report.election && report.election.phase && report.election.phase !== "none") {
      var phase = { pre_election: "Pre-election period", polling_day: "Polling day", after_close: "Election night" }[report.election.phase] || report.election.phase;
      flags.appendChild(el("li", { text: phase + (report.election.election ? " (" + report.election.election + ")" : "") }));
    }

    var marked = $("marked");
    clear(marked);
    var hl = highlighted(body.text, findings);
    marked.appendChild(hl.node);

    var list = $("findings");
    clear(list);
    findings.forEach(function (f, i) {
      var item = el("li", { "class": "finding", id: "finding-" + (i + 1) });
      item.appendChild(el("h4", null, [el("span", { "class": "level level-" + f.level, text: f.level }), " ", f.title]));
      item.appendChild(el("p", { text: f.message }));
      var dl = el("dl");
      var words = (f.spans || []).map(function (s) { return "“" + s.text + "”"; });
      if (words.length) { dl.appendChild(el("dt", { text: "Words" })); dl.appendChild(el("dd", { text: words.join(", ") })); }
      dl.appendChild(el("dt", { text: "Guidance" }));
      dl.appendChild(el("dd", { "class": "clause" }, clauseLine(f.clause, EDITION_TITLES, false)));
      if (f.also && f.also.length) {
        dl.appendChild(el("dt", { text: "Also" }));
        dl.appendChild(el("dd", null, f.also.map(function (c) {
          return el("div", { "class": "clause" }, clauseLine(c, EDITION_TITLES, true));
        })));
      }
      if (f.law && f.law.length) {
        dl.appendChild(el("dt", { text: "Law" }));
        dl.appendChild(el("dd", null, f.law.map(function (l) {
          var name = l.url ? el("a", { href: l.url, rel: "noreferrer", text: l.title }) : el("span", { text: l.title });
          return el("div", { "class": "law" }, [name, l.provision ? el("span", { "class": "paraphrase", text: l.provision }) : null]);
        })));
      }
      dl.appendChild(el("dt", { text: "Why" }));
      dl.appendChild(el("dd", { text: f.why }));
      if (f.escalations && f.escalations.length) {
        dl.appendChild(el("dt", { text: "Raised because" }));
        dl.appendChild(el("dd", { text: f.escalations.join("; ") }));
      }
      item.appendChild(dl);
      if (f.fix && f.fix.length) {
        item.appendChild(el("p", { "class": "ex-h", text: "How to fix it" }));
        item.appendChild(el("ul", null, f.fix.map(function (x) { return el("li", { text: x }); })));
      }
      list.appendChild(item);
    });
    if (!findings.length) { list.appendChild(el("li", { "class": "finding", text: "Nothing in this draft goes against the guidance." })); }

    var notes = $("notes");
    clear(notes);
    (report.notes || []).forEach(function (n) { notes.appendChild(el("li", { text: n })); });

    var SIGNAL_LABELS = {
      political: "Personal political opinion", political_mention: "Mentions politics",
      persuasion: "Could sway a vote", profanity: "Swearing",
      work_link: "Link to your work", grievance: "Workplace grievance", disrespect: "Disrespect",
      hate: "Hate", threat: "Threat", harassment: "Harassment", sexual: "Sexual content",
      privacy: "Someone's personal information", confidential: "Confidential information"
    };
    var sigs = $("signals");
    clear(sigs);
    var seen = (report.signals || []).filter(function (g) { return g.fired || g.uncertain; });
    seen.forEach(function (g) {
      var words = (g.spans || []).map(function (sp) { return "“" + sp.text + "”"; }).join(", ");
      var label = (SIGNAL_LABELS[g.name] || g.name) + ": " + g.score.toFixed(2) +
        (g.uncertain ? " (borderline)" : "") + (words ? " · " + words : "") +
        (g.evidence && g.evidence.length ? " · " + g.evidence.join(", ") : "");
      sigs.appendChild(el("li", { text: label }));
    });
    if (!seen.length) { sigs.appendChild(el("li", { text: "Nothing: no detector fired." })); }

    $("meta").textContent = "Edition: " + (EDITION_TITLES[report.edition] || report.edition) +
      " · rules " + report.rules_version + " · postcheck " + report.postcheck_version;

    var n = findings.length;
    announce(verdictText(report) + ". " + (n ? n + (n === 1 ? " thing" : " things") + " to look at" +
      (hl.count ? ", marked in your draft." : ".") : "Nothing to change."));
    if (!$("share").hidden) { buildShare(); }
  }

  // --- share with my manager ----------------------------------------------------------------
  function contextWords(body) {
    var pick = function (id) { var s = $(id); return s.options[s.selectedIndex].textContent; };
    return "Where: " + pick("platform") + " · What: " + pick("kind") + " · Audience: " + pick("visibility") +
      " · Date: " + (body.date || "today");
  }

  function buildShare() {
    var r = lastReport;
    var out = $("share-body");
    clear(out);
    if (!r) { return; }
    var note = $("share-note").value.trim();
    if (note) {
      out.appendChild(el("h3", { text: "My question" }));
      out.appendChild(el("p", { "class": "note", text: note }));
    }
    out.appendChild(el("p", { text: contextWords(lastContext) }));
    out.appendChild(el("h3", { text: "The draft" }));
    out.appendChild(el("blockquote", { text: lastText }));
    out.appendChild(el("h3", { text: "postcheck's view: " + verdictText(r) }));
    out.appendChild(el("p", { text: r.summary || "" }));
    var list = el("ol");
    (r.findings || []).forEach(function (f) {
      var li = el("li");
      li.appendChild(el("p", null, [el("strong", { text: f.title + " (" + f.level + ")" }), " ", f.message]));
      li.appendChild(el("p", { "class": "clause" }, ["Guidance: "].concat(clauseLine(f.clause, EDITION_TITLES, false))));
      li.appendChild(el("p", { text: "Why: " + f.why }));
      if (f.fix && f.fix.length) { li.appendChild(el("p", { text: "Fix: " + f.fix.join(" ") })); }
      list.appendChild(li);
    });
    if ((r.findings || []).length) { out.appendChild(list); }
    out.appendChild(el("p", { "class": "meta", text: "Checked " + new Date().toLocaleString("en-NZ") + " with postcheck " +
      r.postcheck_version + ", rules " + r.rules_version + ", " + (EDITION_TITLES[r.edition] || r.edition) + ". postcheck paraphrases the guidance and is not legal advice." }));
  }

  function shareText() {
    var r = lastReport;
    var note = $("share-note").value.trim();
    var lines = (note ? ["My question: " + note, ""] : []).concat(
      [contextWords(lastContext), "", "Draft:", lastText, "", "postcheck's view: " + verdictText(r), r.summary || ""]);
    (r.findings || []).forEach(function (f, i) {
      lines.push("", (i + 1) + ". " + f.title + " (" + f.level + "): " + f.message);
      lines.push("   Guidance: " + (EDITION_TITLES[f.clause.edition] || f.clause.edition) + ", §" + f.clause.section + " " +
        f.clause.heading + (f.clause.heading_mi ? " (" + f.clause.heading_mi + ")" : "") + " " + f.clause.url);
      if (paraphrase(f.clause)) { lines.push("   In our words: " + paraphrase(f.clause)); }
      lines.push("   Why: " + f.why);
      if (f.fix && f.fix.length) { lines.push("   Fix: " + f.fix.join(" ")); }
    });
    lines.push("", "postcheck " + r.postcheck_version + ", rules " + r.rules_version);
    return lines.join("\n");
  }

  function openShare() {
    if (!lastReport) { return; }
    buildShare();
    $("share").hidden = false;
    document.body.classList.add("sharing");
    $("share-button").setAttribute("aria-expanded", "true");
    $("share").focus();
  }

  function closeShare() {
    $("share").hidden = true;
    document.body.classList.remove("sharing");
    $("share-button").setAttribute("aria-expanded", "false");
    $("share-button").focus();
  }

  function copyShare() {
    var done = function (msg) { $("copy-status").textContent = msg; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(shareText()).then(function () { done("Copied."); },
        function () { done("Copying was blocked: select the summary and copy it instead."); });
    } else {
      done("Copying is not available here: select the summary and copy it instead.");
    }
  }

  // --- wiring -------------------------------------------------------------------------------
  form.addEventListener("submit", function (e) { e.preventDefault(); schedule(0); });
  text.addEventListener("input", function () { schedule(DEBOUNCE_MS); });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); schedule(0); }
  });
  CONTEXT_FIELDS.forEach(function (f) { $(f).addEventListener("change", function () { schedule(0); }); });
  PROFILE_FIELDS.concat(PROFILE_FLAGS).forEach(function (f) {
    var node = $(f);
    node.addEventListener(node.type === "checkbox" || node.tagName === "SELECT" ? "change" : "input", function () {
      saveProfile();
      schedule(DEBOUNCE_MS);
    });
  });
  $("forget").addEventListener("click", forgetProfile);
  $("share-button").addEventListener("click", openShare);
  $("close-share").addEventListener("click", closeShare);
  $("print-button").addEventListener("click", function () { window.print(); });
  $("copy-button").addEventListener("click", copyShare);
  $("share-note").addEventListener("input", function () { if (!$("share").hidden) { buildShare(); } });
  $("share").addEventListener("keydown", function (e) { if (e.key === "Escape") { closeShare(); } });

  loadProfile();
  if (text.value.trim()) { schedule(0); }
}());
