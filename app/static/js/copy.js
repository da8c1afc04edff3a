// Copy buttons (data-copy-from: the id of the field, or of the element whose text, to copy). They are
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
    var isField = "value" in field;
    function text() { return isField ? field.value : field.textContent.trim(); }
    function selectIt() {
      if (isField) { field.focus(); field.select(); return; }
      var range = document.createRange();
      range.selectNodeContents(field);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    function fallback() {
      selectIt();
      try {
        if (document.execCommand("copy")) { copied(); }
      } catch (e) { /* the text stays selected: the phone's own menu copies it */ }
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text()).then(copied, fallback);
      } else {
        fallback();
      }
    });
    button.hidden = false;
  });
});
