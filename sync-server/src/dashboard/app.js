// Casa del Cittadino, staff dashboard: optional enhancements. Every action
// works without this file; it only makes the blur region drawable.
(function () {
  "use strict";
  var img = document.getElementById("blur-target");
  var form = document.getElementById("blur-form");
  if (!img || !form) return;
  var frame = img.parentNode;
  var box = document.createElement("div");
  box.className = "blur-box";
  box.hidden = true;
  frame.appendChild(box);
  var field = function (name) { return form.querySelector("[name=" + name + "]"); };
  var start = null;

  function percent(ev) {
    var r = img.getBoundingClientRect();
    return {
      x: Math.min(100, Math.max(0, ((ev.clientX - r.left) / r.width) * 100)),
      y: Math.min(100, Math.max(0, ((ev.clientY - r.top) / r.height) * 100))
    };
  }

  function show(a, b) {
    var left = Math.min(a.x, b.x), top = Math.min(a.y, b.y);
    var width = Math.abs(a.x - b.x), height = Math.abs(a.y - b.y);
    box.style.left = left + "%";
    box.style.top = top + "%";
    box.style.width = width + "%";
    box.style.height = height + "%";
    box.hidden = false;
    field("left").value = left.toFixed(1);
    field("top").value = top.toFixed(1);
    field("width").value = Math.max(1, width).toFixed(1);
    field("height").value = Math.max(1, height).toFixed(1);
  }

  function fromFields() {
    var v = ["left", "top", "width", "height"].map(function (n) { return parseFloat(field(n).value); });
    if (v.some(isNaN)) { box.hidden = true; return; }
    box.style.left = v[0] + "%"; box.style.top = v[1] + "%";
    box.style.width = v[2] + "%"; box.style.height = v[3] + "%";
    box.hidden = false;
  }

  img.addEventListener("pointerdown", function (ev) {
    ev.preventDefault();
    start = percent(ev);
    img.setPointerCapture(ev.pointerId);
  });
  img.addEventListener("pointermove", function (ev) { if (start) show(start, percent(ev)); });
  img.addEventListener("pointerup", function (ev) {
    if (!start) return;
    show(start, percent(ev));
    start = null;
  });
  ["left", "top", "width", "height"].forEach(function (n) { field(n).addEventListener("input", fromFields); });
  fromFields();
})();

// The queue's live banner: a count of the reports that arrived since the
// page was drawn, from server-sent events (the page works without it).
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  var source = new EventSource(live.getAttribute("data-src"));
  source.addEventListener("arrivals", function (ev) {
    var n = parseInt(ev.data, 10) || 0;
    live.textContent = "";
    if (n <= 0) return;
    var box = document.createElement("div");
    box.className = "alert alert-info d-flex align-items-center justify-content-between";
    var text = document.createElement("span");
    // The texts come with the page, in the clerk's language.
    text.textContent = n === 1 ? live.getAttribute("data-one") : live.getAttribute("data-many").replace("{n}", n);
    var reload = document.createElement("a");
    reload.href = window.location.href;
    reload.className = "btn btn-primary btn-sm";
    reload.textContent = live.getAttribute("data-reload");
    box.appendChild(text);
    box.appendChild(reload);
    live.appendChild(box);
  });
})();
