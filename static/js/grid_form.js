(function () {
  "use strict";
  // Choosing a village fills in its 12-digit code: the clerk types the 3-digit sequence.
  var codes = JSON.parse(document.getElementById("village-codes").textContent);
  var village = document.getElementById("id_village");
  var code = document.getElementById("id_code");
  village.addEventListener("change", function () {
    var prefix = codes[village.value];
    if (!prefix) return;
    if (!code.value) {
      code.value = prefix;
    } else if (/^\d{12,15}$/.test(code.value) && code.value.slice(0, 12) !== prefix) {
      code.value = prefix + code.value.slice(12);  // keep the 3-digit sequence
    }
    code.focus();
  });
})();
