(function () {
  var items = Array.prototype.slice.call(document.querySelectorAll("#worst-first > li.item"));
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".risk-filter"));
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  function apply() {
    var on = {}; boxes.forEach(function (b) { on[b.value] = b.checked; });
    var q = (search.value || "").toLowerCase(); var n = 0;
    items.forEach(function (li) {
      var ok = on[li.getAttribute("data-risk")] && (!q || li.textContent.toLowerCase().indexOf(q) >= 0);
      li.style.display = ok ? "" : "none"; if (ok) { n++; }
    });
    shown.textContent = n + " of " + items.length + " shown";
  }
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  apply();
})();
