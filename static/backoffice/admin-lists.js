// Lists on a phone are cards (admin.css, below 640 px): each cell shows its column's name, which
// a table carries only in its header row. The names are copied onto the cells as data-label.
(function () {
  "use strict";
  // A sorted column's header also holds its sort controls, drawn as icon ligatures: not part of the name.
  function headerName(th) {
    var copy = th.cloneNode(true);
    copy.querySelectorAll(".material-symbols-outlined, .sortoptions, .sortpriority").forEach(function (el) { el.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }
  function label(table) {
    var names = [].map.call(table.querySelectorAll("thead th"), headerName);
    table.querySelectorAll("tbody tr").forEach(function (row) {
      [].forEach.call(row.children, function (cell, i) {
        if (names[i] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[i]);
      });
    });
  }
  function start() { document.querySelectorAll("#result_list").forEach(label); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
