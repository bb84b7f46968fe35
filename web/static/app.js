// Progressive enhancement only: every page works without this file.
// "/" focuses the search box; typing shows suggestions from /api/suggest and, on the
// search page, updates the results in place (results as you type, below); arrow keys
// move through the suggestions and on into the results, Enter opens one, Escape
// closes the list; on a phone "Filters (n)" opens the filters above the results.
(function () {
  "use strict";
  var box = document.getElementById("q");
  var list = document.getElementById("suggestions");
  if (!box || !list || !window.fetch) return;
  var timer = null, active = -1, items = [], controller = null;
  // the page says what a suggestion is, in its own language (data-kind-* on the box)
  var KINDS = { tag: box.dataset.kindTag || "tag", speaker: box.dataset.kindSpeaker || "speaker",
                title: box.dataset.kindTitle || "note" };

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
    if (list.hidden) {
      if (e.key === "ArrowDown" && firstResult()) { e.preventDefault(); firstResult().focus(); }
      return;
    }
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (active + 1 >= items.length && firstResult()) { close(); firstResult().focus(); return; }
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

  // -- results as you type ---------------------------------------------------------------
  // Each pause in typing (DEBOUNCE ms) asks for the same search page with fragment=1,
  // which answers only the results and filters part (#layout), rendered by the very
  // templates of the full page, and swaps it in.  HTML rather than /api/search JSON:
  // one renderer for both paths, so hits, facets, chips, pager, escaping and <mark>s can
  // never differ between a typed and a loaded page, and this file stays small.
  // typing=1 makes the search match the last word as a prefix too (query/as_you_type.py).
  // Answers can overtake each other (a slow one for "ku", a fast one for "kub"): each
  // request has a sequence number and an answer older than the one shown is dropped.
  var form = box.form, DEBOUNCE = 60, seq = 0, shown = 0, typing = null, lastQuery = null;

  function layout() { return document.getElementById("layout"); }
  function firstResult() { return document.querySelector("#layout .hits .hit h2 a"); }

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name !== "q" || String(value).trim()) params.append(name, value);
    });
    return params.toString();
  }

  function refresh() {
    var l = layout(), qs = query();
    if (!l || qs === lastQuery) return;
    lastQuery = qs;
    var mine = ++seq, base = form.getAttribute("action") || "/search";
    var pageUrl = qs ? base + "?" + qs : base;
    fetch(base + "?" + (qs ? qs + "&" : "") + "typing=1&fragment=1",
          { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || mine <= shown) return;  // an answer older than the one shown
        shown = mine;
        var tpl = document.createElement("template");
        tpl.innerHTML = html;
        var fresh = tpl.content.getElementById("layout"), old = layout();
        if (!fresh || !old) return;
        if (old.classList.contains("filters-open")) fresh.classList.add("filters-open");
        old.replaceWith(fresh);
        enhance();
        if (fresh.getAttribute("data-title")) document.title = fresh.getAttribute("data-title");
        history.replaceState(history.state, "", pageUrl);
        var live = document.getElementById("live"), heading = fresh.querySelector(".summary h1");
        if (live && heading) live.textContent = heading.textContent.replace(/\s+/g, " ").trim();
      })
      .catch(function () { /* offline or the server is gone: the form still works */ });
  }

  if (layout()) {
    box.addEventListener("input", function () {
      clearTimeout(typing);
      typing = setTimeout(refresh, DEBOUNCE);
    });
    lastQuery = query();
  }

  // arrows through the results: ↓/↑ between the titles, ↑ on the first back to the box
  document.addEventListener("keydown", function (e) {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    var t = e.target;
    if (!t.closest || !t.closest("#layout .hits .hit h2")) return;
    var links = Array.prototype.slice.call(document.querySelectorAll("#layout .hits .hit h2 a"));
    var i = links.indexOf(t) + (e.key === "ArrowDown" ? 1 : -1);
    e.preventDefault();
    if (i < 0) { box.focus(); box.setSelectionRange(box.value.length, box.value.length); }
    else if (i < links.length) links[i].focus();
  });

  // -- phone: "Filters (n)" opens the filters above the results -----------------------------
  function enhance() {
    var toggle = document.querySelector("#layout .filters-toggle"), l = layout();
    if (!toggle || !l) return;
    toggle.setAttribute("role", "button");
    toggle.setAttribute("aria-expanded", l.classList.contains("filters-open") ? "true" : "false");
  }
  enhance();
  document.addEventListener("click", function (e) {
    var t = e.target.closest ? e.target.closest(".filters-toggle, .filters-done a") : null;
    var l = layout();
    if (!t || !l) return;
    e.preventDefault();
    var open = t.classList.contains("filters-toggle") && !l.classList.contains("filters-open");
    l.classList.toggle("filters-open", open);
    enhance();
    var target = open ? l.querySelector("#filters a, #filters summary")
                      : l.querySelector(".filters-toggle");
    if (target) target.focus();
  });
})();
