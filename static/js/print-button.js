// Buttons marked data-print print the page (kept out of the HTML for the Content-Security-Policy).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
