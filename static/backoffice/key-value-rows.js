// Key/value rows (apps/core/admin_maps.py): "Add a row" copies the blank row, "Remove" drops its row;
// each control's accessible name carries its row number, renumbered after every change.
(function () {
  "use strict";
  function renumber(box) {
    box.querySelectorAll("tbody [data-kv-row]").forEach(function (row, i) {
      row.querySelectorAll("[data-kv-label]").forEach(function (el) {
        el.setAttribute("aria-label", el.getAttribute("data-kv-label").replace("__n__", String(i + 1)));
      });
    });
  }
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-kv-add]");
    var remove = event.target.closest("[data-kv-remove]");
    var box = (add || remove) && (add || remove).closest("[data-kv]");
    if (!box) return;
    if (add) {
      var row = box.querySelector("template[data-kv-blank]").content.firstElementChild.cloneNode(true);
      box.querySelector("tbody").appendChild(row);
      renumber(box);
      row.querySelector("input, select").focus();
    } else {
      remove.closest("[data-kv-row]").remove();
      renumber(box);
      box.querySelector("[data-kv-add]").focus();
    }
  });
})();
