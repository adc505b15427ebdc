// Archive upload with progress. Without JavaScript the form posts normally and the server
// redirects to the scan's progress page; with it, the upload's own progress is shown too.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var input = document.getElementById("archive");
  var status = document.getElementById("upload-status");
  var bar = document.getElementById("upload-progress");
  var button = document.getElementById("upload-button");
  var max = parseInt(input.getAttribute("data-max-bytes"), 10);

  function say(msg) { status.hidden = false; status.textContent = msg; }

  form.addEventListener("submit", function (e) {
    if (!window.FormData || !window.XMLHttpRequest) { return; }
    e.preventDefault();
    var file = input.files && input.files[0];
    if (!file) { say("Choose an archive file first."); input.focus(); return; }
    if (file.size > max) {
      say("That file is " + Math.round(file.size / 1048576) + " MiB; the limit is " + Math.round(max / 1048576) + " MiB.");
      input.focus();
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    bar.value = 0;
    button.disabled = true;
    say("Uploading " + file.name + "…");
    xhr.upload.addEventListener("progress", function (ev) {
      if (ev.lengthComputable) {
        bar.value = Math.round((ev.loaded / ev.total) * 100);
        bar.setAttribute("aria-valuetext", bar.value + "% uploaded");
      }
    });
    xhr.addEventListener("load", function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
      if (xhr.status === 202 && data && data.page_url) {
        say("Uploaded. Scanning…");
        window.location.assign(data.page_url);
        return;
      }
      button.disabled = false;
      bar.hidden = true;
      say("Upload refused: " + (data && data.detail ? data.detail : "error " + xhr.status));
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      bar.hidden = true;
      say("The upload failed: is postcheck still running?");
    });
    xhr.send(new FormData(form));
  });
}());
