// Select-all for bulk actions. Served from this origin so the pages' CSP can forbid inline script.
document.addEventListener("DOMContentLoaded", function () {
  var all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll('#bulk input[name="ids"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
});
