// Progressive enhancement only: the page works without this file.
// "/" focuses the search box; typing shows suggestions; arrows and Enter pick one.
(function () {
  "use strict";
  var box = document.getElementById("q");
  var list = document.getElementById("suggestions");
  if (!box || !list) return;
  var timer = null, active = -1, items = [];

  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (e.key === "/" && tag !== "input" && tag !== "textarea") {
      e.preventDefault(); box.focus(); box.select();
    }
  });

  function close() { list.hidden = true; list.textContent = ""; active = -1; items = []; }

  function pick(i) {
    if (i < 0 || i >= items.length) return;
    var s = items[i];
    if (s.kind === "speaker") box.value = 'speaker:"' + s.label + '"';
    else if (s.kind === "tag") box.value = 'tag:"' + s.label + '"';
    else box.value = s.label;
    close(); box.form.submit();
  }

  function show(data) {
    close();
    items = data.suggestions || [];
    items.forEach(function (s, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "suggestion-" + i;
      var label = document.createElement("span"); label.textContent = s.label;
      var kind = document.createElement("span"); kind.className = "kind"; kind.textContent = s.kind;
      li.appendChild(label); li.appendChild(kind);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
  }

  function highlight(i) {
    var lis = list.querySelectorAll("li");
    lis.forEach(function (li, n) { li.setAttribute("aria-selected", n === i ? "true" : "false"); });
    active = i;
    if (i >= 0) box.setAttribute("aria-activedescendant", "suggestion-" + i);
    else box.removeAttribute("aria-activedescendant");
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    var q = box.value;
    if (q.trim().length < 2) { close(); return; }
    timer = setTimeout(function () {
      fetch("/api/suggest?q=" + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (box.value === q) show(data); })
        .catch(function () { close(); });
    }, 120);
  });

  box.addEventListener("keydown", function (e) {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, -1)); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); pick(active); }
    else if (e.key === "Escape") { close(); }
  });
  box.addEventListener("blur", function () { setTimeout(close, 150); });
})();
