// A live list fed by Server-Sent Events: <section data-live-feed="URL"> holds an <ol> that
// new items are put at the top of, and a status line; the list is an aria-live region so
// screen readers announce each new item (WCAG 2.2, 4.1.3 status messages). Items are built
// with textContent only, never from HTML sent by the server.
(function () {
  "use strict";
  var feed = document.querySelector("[data-live-feed]");
  if (!feed || !window.EventSource) { return; }
  var list = feed.querySelector("ol");
  var status = feed.querySelector("[data-live-status]");
  var empty = feed.querySelector("[data-live-empty]");
  var seen = {};
  Array.prototype.forEach.call(list.querySelectorAll("[data-item-id]"), function (li) {
    seen[li.getAttribute("data-item-id")] = true;
  });
  function say(text) { if (status) { status.textContent = text; } }
  function add(event) {
    var item;
    try { item = JSON.parse(event.data); } catch (e) { return; }
    if (!item || !item.id || seen[item.id]) { return; }
    seen[item.id] = true;
    var li = document.createElement("li");
    li.setAttribute("data-item-id", item.id);
    var strong = document.createElement("strong");
    strong.textContent = item.headline || "";
    li.appendChild(strong);
    if (item.status) {
      var badge = document.createElement("span");
      badge.className = "badge badge-" + String(item.status).toLowerCase().replace(/[^a-z]/g, "");
      badge.textContent = item.status;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(badge);
    }
    if (item.detail) { li.appendChild(document.createTextNode(" " + item.detail)); }
    list.insertBefore(li, list.firstChild);
    if (empty) { empty.hidden = true; }
  }
  var source = new EventSource(feed.getAttribute("data-live-feed"));
  source.onopen = function () { say("Live: new alerts appear at the top of this list."); };
  source.onerror = function () { say("Connection lost; reconnecting…"); };
  source.addEventListener("item", add);
}());
