// Progressive enhancement only: every page works without this file.
// "/" focuses the search box; typing shows suggestions from /api/suggest;
// arrow keys move through them, Enter opens one, Escape closes the list.
(function () {
  "use strict";
  var box = document.getElementById("q");
  var list = document.getElementById("suggestions");
  if (!box || !list || !window.fetch) return;
  var timer = null, active = -1, items = [], controller = null;
  var KINDS = { tag: "tag", speaker: "speaker", title: "note" };

  document.addEventListener("keydown", function (e) {
    var t = e.target, tag = (t.tagName || "").toLowerCase();
    if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey &&
        tag !== "input" && tag !== "textarea" && tag !== "select" && !t.isContentEditable) {
      e.preventDefault();
      box.focus();
      box.select();
    }
  });

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
    items = [];
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  }

  function go(i) {
    var s = items[i];
    if (s && s.url) window.location.assign(s.url);
  }

  function show(suggestions) {
    close();
    items = suggestions || [];
    items.forEach(function (s, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.id = "suggestion-" + i;
      var label = document.createElement("span");
      label.className = "label";
      label.textContent = s.label;
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = KINDS[s.kind] || s.kind;
      if (s.kind !== "title" && s.count) kind.textContent += " · " + s.count;
      li.appendChild(label);
      li.appendChild(kind);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); go(i); });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    box.setAttribute("aria-expanded", items.length ? "true" : "false");
  }

  function highlight(i) {
    var lis = list.querySelectorAll("li");
    for (var n = 0; n < lis.length; n++) {
      lis[n].setAttribute("aria-selected", n === i ? "true" : "false");
    }
    active = i;
    if (i >= 0) box.setAttribute("aria-activedescendant", "suggestion-" + i);
    else box.removeAttribute("aria-activedescendant");
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    var q = box.value;
    if (q.trim().length < 2) { close(); return; }
    timer = setTimeout(function () {
      if (controller && controller.abort) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch((box.getAttribute("data-suggest") || "/api/suggest") + "?q=" + encodeURIComponent(q),
            { signal: controller ? controller.signal : undefined,
              headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (box.value === q) show(data.suggestions); })
        .catch(function () { /* aborted or offline: keep quiet */ });
    }, 120);
  });

  box.addEventListener("keydown", function (e) {
    if (list.hidden) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      highlight(active + 1 >= items.length ? 0 : active + 1);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      go(active);
    } else if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  });
  box.addEventListener("blur", function () { setTimeout(close, 150); });
})();
