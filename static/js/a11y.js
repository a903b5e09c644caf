/* After a submission the server refused, the keyboard and the screen reader start at the first
   field in error (or the form's error summary), not at the top of the page (issue 15, finding 12). */
(function () {
  "use strict";
  var field = document.querySelector("main [aria-invalid='true']");
  if (field && !field.disabled) {
    field.focus();
    field.scrollIntoView({ block: "center" });
    return;
  }
  var summary = document.querySelector("main [data-form-errors], main form .alert-danger");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
})();
