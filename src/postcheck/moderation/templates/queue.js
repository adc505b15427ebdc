// The queue's optional extras: select-all and keyboard shortcuts. Every action is still a
// plain form button, so the page works the same with this script off. Served from this
// origin so the pages' CSP can forbid inline script.
document.addEventListener("DOMContentLoaded", function () {
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('#bulk input[name="ids"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }

  var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
  if (!cards.length) return;
  var help = document.getElementById("keys");
  var status = document.getElementById("key-status");
  if (help) help.hidden = false; // the keys only work with this script, so only say so now
  var current = -1;
  var KEY = "postcheck-queue-position";

  function say(text) {
    if (status) status.textContent = text;
  }

  function select(i) {
    if (i < 0 || i >= cards.length) return;
    if (current >= 0) cards[current].classList.remove("current");
    current = i;
    var card = cards[i];
    card.classList.add("current");
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }

  // Keyboard or mouse: the card holding the focus is the current one.
  cards.forEach(function (card, i) {
    card.addEventListener("focusin", function () {
      if (current !== i) {
        if (current >= 0) cards[current].classList.remove("current");
        current = i;
        card.classList.add("current");
      }
    });
  });

  // After a decision the page reloads; the comment decided has usually left the list, so
  // the same position holds the next one.
  var saved = null;
  try {
    saved = sessionStorage.getItem(KEY);
    sessionStorage.removeItem(KEY);
  } catch (e) {
    saved = null;
  }
  if (saved !== null) select(Math.min(parseInt(saved, 10) || 0, cards.length - 1));

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "j" || key === "k") {
      event.preventDefault();
      select(current < 0 ? 0 : current + (key === "j" ? 1 : -1));
      return;
    }
    if ("arhdo".indexOf(key) < 0 || key.length !== 1) return;
    if (current < 0) {
      say("Press j to choose a comment first.");
      return;
    }
    var card = cards[current];
    if (key === "a" && card.hasAttribute("data-details")) {
      // One key must not publish someone's phone number: the owner chooses how.
      event.preventDefault();
      say("This comment has personal details. Press d to remove them and approve, or use the Approve as written button.");
      return;
    }
    var control = card.querySelector('[data-key="' + key + '"]');
    if (!control) {
      say(key === "d" ? "No personal details found in this comment." : "That would not change this comment.");
      return;
    }
    event.preventDefault();
    if (key !== "o") {
      try {
        sessionStorage.setItem(KEY, String(current));
      } catch (e) {
        /* private mode: the page just starts at the top */
      }
    }
    control.click();
  });
});
