/* Keyboard and screen-reader help every page gets (issue 15, finding 12). */
(function () {
  "use strict";
  // The skip link moves the focus to the page's content without putting #main into the address
  // (a form posted from the page would come back scrolled to it, with the focus there).
  var skip = document.querySelector(".skip-link");
  var main = document.getElementById("main");
  if (skip && main) {
    skip.addEventListener("click", function (event) {
      event.preventDefault();
      main.focus();
      main.scrollIntoView();
    });
  }
  // After a submission the server refused, the keyboard and the screen reader start at the first
  // field in error (or the form's error summary), not at the top of the page.
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
