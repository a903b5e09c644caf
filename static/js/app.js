/* Behaviours every page may use, switched on by data attributes (no inline scripts or on…=
   handlers: the Content-Security-Policy allows only scripts served from static/). */
(function () {
  "use strict";
  // <button data-print>: print the page.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // <select|input data-autosubmit>: submit its form when the value changes.
  document.querySelectorAll("[data-autosubmit]").forEach(function (field) {
    field.addEventListener("change", function () { field.form.submit(); });
  });
  // <form data-confirm="question">: ask before submitting.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // <element data-shown-by="checkbox-id">: shown only while that checkbox is ticked.
  document.querySelectorAll("[data-shown-by]").forEach(function (element) {
    var box = document.getElementById(element.dataset.shownBy);
    if (!box) return;
    function apply() { element.hidden = !box.checked; }
    box.addEventListener("change", apply);
    apply();
  });
})();
