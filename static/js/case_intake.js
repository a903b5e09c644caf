(function () {
  "use strict";
  // Villages follow the township, grids follow the village.
  document.querySelectorAll("select[data-filter-by]").forEach(function (select) {
    var parent = document.getElementById(select.dataset.filterBy);
    function apply() {
      Array.from(select.options).forEach(function (option) {
        if (!option.dataset.parent) return;
        var show = !parent.value || option.dataset.parent === parent.value;
        option.hidden = !show;
        if (!show && option.selected) { select.value = ""; select.dispatchEvent(new Event("change")); }
      });
    }
    parent.addEventListener("change", apply);
    apply();
  });
  var add = document.getElementById("add-party");
  add.addEventListener("click", function () {
    var total = document.getElementById("id_party-TOTAL_FORMS");
    var html = document.getElementById("party-template").innerHTML.replace(/__prefix__/g, total.value);
    document.getElementById("party-forms").insertAdjacentHTML("beforeend", html);
    total.value = parseInt(total.value, 10) + 1;
  });
})();
