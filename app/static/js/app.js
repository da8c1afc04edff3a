// Ask before actions marked as dangerous (reject, fail, withdraw).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
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
