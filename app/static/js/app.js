// Ask before actions marked as dangerous (reject, fail, withdraw), once the
// form is filled in: a form the browser checks is not sent (nor asked about)
// while a required field is empty; one marked novalidate and not filled in
// is sent unasked, and the server sends it back with the field marked, having
// done nothing (asking "are you sure?" and then refusing helps no one).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && form.checkValidity() && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A form on the case page (a step's, a follow-up's, a referral's...) is
// fetched when its panel opens: the page does not carry every form it offers,
// each with its tokens (app/fetched_forms.py). Without the fetch, the panel's
// link opens the page with that form.
document.addEventListener("show.bs.collapse", function (event) {
  var slot = event.target.querySelector("[data-fetch-form]");
  if (!slot || slot.getAttribute("aria-busy") === "true") { return; }
  var link = slot.querySelector("a");
  slot.setAttribute("aria-busy", "true");
  fetch(slot.getAttribute("data-fetch-form"), {credentials: "same-origin", cache: "no-store"})
    .then(function (response) {
      // A redirect is the login page (the session ended): the full page deals with it.
      if (response.redirected) { window.location.href = link.href; return null; }
      return response.text();
    })
    .then(function (html) {
      slot.removeAttribute("aria-busy");
      if (html === null) { return; }
      // Only the form or its message (marked data-form-fragment); any other answer (an error
      // page) leaves the link, which opens the page with the form.
      var parsed = document.createElement("template");
      parsed.innerHTML = html;
      var fragment = parsed.content.firstElementChild;
      if (!fragment || !fragment.hasAttribute("data-form-fragment")) { return; }
      // A template parses <noscript> as if no script ran: what it holds (a dangerous
      // form's question for the server to ask, app/confirm.py) is for such browsers only.
      Array.prototype.forEach.call(fragment.querySelectorAll("noscript"), function (n) { n.remove(); });
      var hadFocus = slot.contains(document.activeElement);
      slot.replaceWith(fragment);
      var first = fragment.querySelector("input:not([type=hidden]), select, textarea, button");
      if (hadFocus && first) { first.focus(); }
      reflectRequired(fragment);
    })
    .catch(function () { slot.removeAttribute("aria-busy"); });
});

// The grid map: the figures of the grid pointed at or focused, in the caption
// (the SVG's titles and the table carry them too, without scripts).
(function () {
  var map = document.getElementById("grid-map");
  var info = document.getElementById("map-info");
  if (!map || !info) { return; }
  function show(event) {
    var grid = event.target.closest && event.target.closest("a.grid");
    if (grid) { info.textContent = grid.getAttribute("data-info"); }
  }
  map.addEventListener("mouseover", show);
  map.addEventListener("focusin", show);
})();

// Signing off several closures: a box ticking every listed closure at once
// (checked when all are, mixed when some are). Without a script it stays
// hidden and each closure is ticked on its own.
(function () {
  var box = document.getElementById("select-all-box");
  var all = document.getElementById("select-all");
  var list = document.getElementById("awaiting-list");
  if (!box || !all || !list) { return; }
  var items = list.querySelectorAll("input[type=checkbox][name=review]");
  function reflect() {
    var ticked = Array.prototype.filter.call(items, function (i) { return i.checked; }).length;
    all.checked = ticked === items.length && ticked > 0;
    all.indeterminate = ticked > 0 && ticked < items.length;
  }
  all.addEventListener("change", function () {
    Array.prototype.forEach.call(items, function (i) { i.checked = all.checked; });
    all.indeterminate = false;
  });
  list.addEventListener("change", reflect);
  box.hidden = false;
  reflect();
})();

// A follow-up visit: "also confirm the agreement performed" only beside the
// result "fully performed". Hidden for another result, its box is disabled
// too, so it is not sent; without a script it stays shown and the server
// leaves it aside for another result, saying so.
(function () {
  var wrap = document.getElementById("confirm-performed");
  var form = document.getElementById("visit-form");
  if (!wrap || !form) { return; }
  var result = form.querySelector("select[name=fulfilment]");
  var box = wrap.querySelector("input[type=checkbox]");
  if (!result || !box) { return; }
  function reflect() {
    var shown = result.value === wrap.getAttribute("data-when-fulfilment");
    wrap.hidden = !shown;
    box.disabled = !shown;
  }
  result.addEventListener("change", reflect);
  reflect();
})();

// Fields required only for one choice of another field (a written agreement's contents once "written" is
// chosen: data-required-when="agree-form=written") are marked required as soon as it is chosen. Without a
// script their hint says so, and the server marks each one left empty.
function reflectRequired(root) {
  Array.prototype.forEach.call(root.querySelectorAll("[data-required-when]"), function (field) {
    var rule = field.getAttribute("data-required-when").split("=");
    var chooser = field.form && field.form.elements[rule[0]];
    var on = Boolean(chooser && chooser.value === rule[1]);
    field.required = on;
    var wrapper = field.closest(".mb-2");
    if (wrapper) { wrapper.classList.toggle("field-required", on); }
  });
}
document.addEventListener("change", function (event) {
  if (event.target.form) { reflectRequired(event.target.form); }
});
reflectRequired(document);

// "Back to the previous page" on an error page (a form too large to send):
// the browser's own back, which keeps what was typed in the form; without a
// script, or when the page was opened alone, the link opens the form again.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-history-back]");
  if (!link || window.history.length < 2) { return; }
  event.preventDefault();
  window.history.back();
});
