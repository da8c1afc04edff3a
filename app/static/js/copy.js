// Copy buttons (data-copy-from: the id of the field to copy). They are
// hidden in the HTML and shown here, so a browser without scripts shows none
// that would do nothing; the field stays selectable there. The clipboard API
// needs a secure page (https): elsewhere the older copy command is tried.
document.addEventListener("DOMContentLoaded", function () {
  Array.prototype.forEach.call(document.querySelectorAll("[data-select-on-focus]"), function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy-from]"), function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-from"));
    if (!field) { return; }
    var label = button.textContent;
    function copied() {
      button.textContent = button.getAttribute("data-copied") || label;
      window.setTimeout(function () { button.textContent = label; }, 2000);
    }
    function fallback() {
      field.focus();
      field.select();
      try {
        if (document.execCommand("copy")) { copied(); }
      } catch (e) { /* the text stays selected: the phone's own menu copies it */ }
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(copied, fallback);
      } else {
        fallback();
      }
    });
    button.hidden = false;
  });
});
