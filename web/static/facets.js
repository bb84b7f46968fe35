// Progressive enhancement of long facet lists: a box that filters a list's values as
// you type (without JavaScript the box stays hidden and "N more" shows them all).
// Listeners sit on the document, so lists rendered later (results as you type) work too.
(function () {
  "use strict";
  if (window.eventsearchFacets) return;
  window.eventsearchFacets = true;
  document.documentElement.classList.add("has-js");

  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // The year chart is one Tab stop: arrow keys, Home and End move between its bars.
  document.addEventListener("keydown", function (e) {
    var bar = e.target.closest && e.target.closest(".timeline svg a");
    if (!bar || e.altKey || e.ctrlKey || e.metaKey) return;  // Alt+Left is Back
    var bars = Array.prototype.slice.call(bar.closest("svg").querySelectorAll("a"));
    var i = bars.indexOf(bar);
    var next = {ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1,
                Home: 0, End: bars.length - 1}[e.key];
    if (next === undefined || !bars[next]) return;
    e.preventDefault();
    bar.setAttribute("tabindex", "-1");
    bars[next].setAttribute("tabindex", "0");
    bars[next].focus();
  });

  document.addEventListener("input", function (e) {
    var box = e.target;
    if (!box.classList || !box.classList.contains("facet-filter")) return;
    var section = box.closest(".facet");
    var words = fold(box.value.trim());
    var details = section.querySelector("details");
    if (details) {
      if (words && !details.open) { details.open = true; details.dataset.filterOpened = "1"; }
      if (!words && details.dataset.filterOpened) {
        details.open = false; delete details.dataset.filterOpened;
      }
    }
    section.querySelectorAll("li").forEach(function (li) {
      var label = li.querySelector(".label");
      li.hidden = !!words && fold(label ? label.textContent : "").indexOf(words) < 0;
    });
  });
})();
