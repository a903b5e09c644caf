(function () {
  "use strict";
  // Ticking a grid fills in an empty 所在村（社区） with the grid's village.
  var village = document.getElementById("id_village");
  if (village) {
    document.querySelectorAll(".grid-group input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () {
        if (box.checked && !village.value) village.value = box.closest(".grid-group").dataset.villageId;
      });
    });
  }
  // Narrow the list of grids by village or grid name as the clerk types.
  var search = document.getElementById("grid-search");
  search.addEventListener("input", function () {
    var text = search.value.trim();
    document.querySelectorAll(".grid-group").forEach(function (group) {
      var groupMatch = !text || group.dataset.village.indexOf(text) !== -1;
      var any = false;
      group.querySelectorAll(".grid-choice").forEach(function (choice) {
        var show = groupMatch || choice.textContent.indexOf(text) !== -1;
        choice.hidden = !show;
        any = any || show;
      });
      group.hidden = !any;
    });
  });
})();
