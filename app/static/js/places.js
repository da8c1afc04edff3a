// The account form's places (app/templates/auth/_account_fields.html): the
// street chosen narrows the communities, grids and departments offered, and
// the community chosen the grids, so that a phone lists one community's grids
// rather than the city's 369. Without this script the lists are whole, grouped
// by street and community; the server refuses a place outside the street or
// community chosen either way (app/auth/accounts.py).
(function () {
  var box = document.querySelector("[data-places]");
  if (!box) { return; }
  function list(name) { return box.querySelector('select[name="' + name + '"]'); }
  var street = list("street_id");
  var community = list("community_id");
  if (!street || !community) { return; }
  // Each list as the server sent it, to rebuild from: a hidden <option> is
  // still shown by some phones' pickers, a removed one never.
  var lists = ["community_id", "grid_id", "department_id"].map(list).filter(Boolean).map(function (select) {
    return {select: select, whole: Array.prototype.map.call(select.children, function (node) {
      return node.cloneNode(true);
    })};
  });

  function chosen(select) {
    var value = parseInt(select.value, 10);
    return value > 0 ? String(value) : null;  // "—" and "The whole city" narrow nothing
  }

  function fits(option, streetId, communityId) {
    if (option.value === "0") { return true; }
    var inCommunity = option.getAttribute("data-community");
    if (inCommunity !== null && communityId) { return inCommunity === communityId; }
    var inStreet = option.getAttribute("data-street");  // none: a department of the whole city
    return inStreet === null || !streetId || inStreet === streetId;
  }

  // keepChosen: on loading the page, an option the server sent chosen stays
  // even outside the street (a refused form shows what was refused, beside its message).
  function narrow(keepChosen) {
    var streetId = chosen(street);
    lists.forEach(function (entry) {
      var communityId = chosen(community);  // read anew: narrowing the communities may have emptied it
      var value = entry.select.value;
      var keep = function (option) {
        return fits(option, streetId, communityId) || (keepChosen && option.value === value);
      };
      var nodes = [];
      entry.whole.forEach(function (node) {
        if (node.tagName === "OPTGROUP") {
          var group = node.cloneNode(false);
          Array.prototype.forEach.call(node.children, function (option) {
            if (keep(option)) { group.appendChild(option.cloneNode(true)); }
          });
          if (group.children.length) { nodes.push(group); }
        } else if (keep(node)) {
          nodes.push(node.cloneNode(true));
        }
      });
      entry.select.replaceChildren.apply(entry.select, nodes);
      entry.select.value = value;
      if (entry.select.value !== value) { entry.select.value = "0"; }
    });
  }

  // Only the lists of places the chosen role keeps (accounts.ROLE_PLACES):
  // the server drops the others, so offering them would only mislead.
  var role = document.querySelector('select[name="role"]');
  var rolePlaces = JSON.parse(box.getAttribute("data-role-places") || "{}");
  function showForRole() {
    var kept = role ? rolePlaces[role.value] : null;
    ["street_id", "community_id", "grid_id", "department_id"].forEach(function (name) {
      var select = list(name);
      if (!select) { return; }
      var column = select.closest(".col-md-6") || select.parentNode;
      column.hidden = Boolean(kept) && kept.indexOf(name.replace("_id", "")) < 0;
    });
  }
  if (role) { role.addEventListener("change", showForRole); }

  street.addEventListener("change", function () { narrow(false); });
  community.addEventListener("change", function () { narrow(false); });
  narrow(true);
  showForRole();
})();
