// Material Symbols are ligatures: the icon's name is its text ("chevron_right"), which screen
// readers would read out between the words around it. Every icon is marked decorative; a control
// left with no text of its own is named after its icon, so hiding the icon never leaves it nameless.
// select2's pickers (a span standing in for the <select>) take the name of the select's <label>.
(function () {
  "use strict";
  var ICON = ".material-symbols-outlined";

  function hasOwnName(control, icon) {
    if (control.getAttribute("aria-label") || control.getAttribute("aria-labelledby") || control.title) return true;
    var text = "";
    control.childNodes.forEach(function (node) {
      if (node !== icon && !(node.matches && node.matches(ICON))) text += node.textContent || "";
    });
    return text.trim() !== "";
  }

  function hide(icon) {
    if (icon.getAttribute("aria-hidden") === "true") return;
    icon.setAttribute("aria-hidden", "true");
    var control = icon.closest("a[href], button, [role=button], summary");
    if (control && !hasOwnName(control, icon)) {
      var name = (icon.textContent || "").trim().replace(/_/g, " ");
      control.setAttribute("aria-label", name.charAt(0).toUpperCase() + name.slice(1));
    }
  }

  function labelPicker(container) {
    var select = container.previousElementSibling;
    var label = select && select.id && document.querySelector('label[for="' + select.id + '"]');
    if (!label) return;
    var name = label.textContent.replace(/[*:]/g, "").trim();
    container.querySelectorAll(".select2-selection, .select2-selection__rendered").forEach(function (el) {
      if (!el.getAttribute("aria-label")) el.setAttribute("aria-label", name);
    });
    // A multiple picker's box to type in: select2 draws it anew after each choice.
    container.querySelectorAll(".select2-search__field").forEach(function (el) {
      if (!el.getAttribute("aria-label")) el.setAttribute("aria-label", "Search " + name.toLowerCase());
    });
  }

  function sweep(root) {
    if (!root.querySelectorAll) return;
    if (root.matches(ICON)) hide(root);
    root.querySelectorAll(ICON).forEach(hide);
    if (root.matches(".select2-container")) labelPicker(root);
    root.querySelectorAll(".select2-container").forEach(labelPicker);
    var picker = root.closest && root.closest(".select2-container");
    if (picker) labelPicker(picker);
  }

  function start() {
    sweep(document.body);
    // htmx swaps and Alpine templates add icons after load.
    new MutationObserver(function (records) {
      records.forEach(function (r) { r.addedNodes.forEach(sweep); });
    }).observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
