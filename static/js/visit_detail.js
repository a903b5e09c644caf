(function () {
  "use strict";
  function sync() {
    var ending = (document.querySelector('input[name="issue-ending"]:checked') || {}).value;
    document.querySelectorAll("[data-for-ending]").forEach(function (el) {
      el.hidden = ending !== undefined && el.dataset.forEnding !== ending;
    });
  }
  document.querySelectorAll('input[name="issue-ending"]').forEach(function (r) { r.addEventListener("change", sync); });
  sync();
})();
