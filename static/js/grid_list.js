(function () {
  "use strict";
  // The village list follows the chosen township.
  var township = document.getElementById("id_township");
  var village = document.getElementById("id_village");
  if (!township || !village) return;
  function apply() {
    Array.from(village.options).forEach(function (option) {
      if (!option.dataset.parent) return;
      var show = !township.value || option.dataset.parent === township.value;
      option.hidden = !show;
      if (!show && option.selected) village.value = "";
    });
  }
  township.addEventListener("change", apply);
  apply();
})();
