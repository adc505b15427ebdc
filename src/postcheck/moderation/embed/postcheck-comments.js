/* postcheck comments: a small script for a site that has no comment system.
 *
 * Put the form from comment-form.html on the page and load this script. It sends each
 * comment as JSON to the moderation service with the site's key, retries with the same
 * comment id (so a retry never makes a duplicate), tells the visitor what happened, and
 * lists the site's published comments for this page. Comment text is only ever inserted
 * with textContent, never as HTML.
 */
(function () {
  "use strict";

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function endpoint(form) {
    var base = (form.getAttribute("data-endpoint") || "").replace(/\/+$/, "");
    return base + "/api/sites/" + encodeURIComponent(form.getAttribute("data-postcheck-site")) + "/comments";
  }

  function say(form, message, kind) {
    var out = form.querySelector("[data-postcheck-status]");
    if (!out) return;
    out.textContent = message;
    out.setAttribute("data-kind", kind);
  }

  var MESSAGES = {
    publish: "Thanks, your comment is published.",
    hold: "Thanks, your comment is waiting for the site owner to review it.",
    reject: "Sorry, this comment can't be published on this site."
  };

  function submit(form, event) {
    event.preventDefault();
    if (!form.dataset.commentId) form.dataset.commentId = newId();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    var body = {
      id: form.dataset.commentId,
      author_name: form.elements.author_name.value,
      text: form.elements.text.value,
      url: window.location.pathname
    };
    if (form.elements.author_email && form.elements.author_email.value) {
      body.author_email = form.elements.author_email.value;
    }
    say(form, "Sending…", "pending");
    fetch(endpoint(form), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Authorization": "Bearer " + form.getAttribute("data-key")
      },
      body: JSON.stringify(body)
    })
      .then(function (resp) {
        return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
      })
      .then(function (r) {
        if (!r.ok) {
          say(form, "Not sent: " + (r.data && r.data.detail ? r.data.detail : "error"), "error");
          return; // keep the id: sending again is a retry of the same comment
        }
        say(form, MESSAGES[r.data.decision] || "Sent.", r.data.decision);
        delete form.dataset.commentId; // the next comment is a new one
        form.elements.text.value = "";
        load(form);
      })
      .catch(function () {
        say(form, "Couldn't reach the comment service; your comment is still here, try again.", "error");
      })
      .then(function () { if (button) button.disabled = false; });
  }

  function load(form) {
    var list = document.querySelector("[data-postcheck-comments]");
    if (!list) return;
    var url = endpoint(form) + "?url=" + encodeURIComponent(window.location.pathname);
    fetch(url, { headers: { "Authorization": "Bearer " + form.getAttribute("data-key") } })
      .then(function (resp) { return resp.ok ? resp.json() : []; })
      .then(function (comments) {
        list.textContent = "";
        comments.forEach(function (c) {
          var item = document.createElement("li");
          var who = document.createElement("strong");
          who.textContent = c.author_name;
          var text = document.createElement("p");
          text.textContent = c.text;
          item.appendChild(who);
          item.appendChild(text);
          list.appendChild(item);
        });
      })
      .catch(function () {});
  }

  document.querySelectorAll("form[data-postcheck-site]").forEach(function (form) {
    form.addEventListener("submit", function (event) { submit(form, event); });
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = false;
    load(form);
  });
})();
