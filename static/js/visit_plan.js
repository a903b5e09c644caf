(function () {
  "use strict";
  var radios = document.querySelectorAll('input[name="kind"]');
  function sync() {
    var kind = (document.querySelector('input[name="kind"]:checked') || {}).value;
    document.querySelectorAll("[data-for-kind]").forEach(function (el) { el.hidden = el.dataset.forKind !== kind; });
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); });
  sync();
})();
