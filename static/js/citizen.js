// The public pages (码上办): the send-code button asks for an SMS code without reloading the
// form (POST /m/sms/), counts down before the next one, and shows the ALTCHA challenge when the
// server asks for it. Without JavaScript the button submits the form and the server does the same.
(function () {
  "use strict";
  var widgetLoaded = false;

  function loadWidget(box) {
    box.classList.remove("d-none");
    if (widgetLoaded) return;
    widgetLoaded = true;
    var base = box.querySelector("altcha-widget").getAttribute("workerurl").replace(/worker\.js$/, "");
    var i18n = document.createElement("script");
    i18n.type = "module";
    i18n.src = base + "zh-cn.js";
    var widget = document.createElement("script");
    widget.type = "module";
    widget.src = base + "altcha.js";
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = base + "altcha.css";
    document.head.append(css, widget, i18n);
  }

  function proofResend(button, left) {
    return button.closest(".citizen-phone-proof").dataset.resend.replace("{n}", left);
  }

  function countdown(button, seconds) {
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.disabled = true;
    var left = seconds;
    var timer = setInterval(function () {
      left -= 1;
      button.textContent = proofResend(button, left);
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = label;
      }
    }, 1000);
    button.textContent = proofResend(button, left);
  }

  document.querySelectorAll(".citizen-phone-proof").forEach(function (proof) {
    var challengeBox = proof.querySelector("[data-challenge]");
    if (challengeBox && !challengeBox.classList.contains("d-none")) loadWidget(challengeBox);
    var button = proof.querySelector("[data-send-code]");
    if (!button) return;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var form = button.form;
      var status = proof.querySelector("[data-code-status]");
      var body = new FormData();
      body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      body.append("phone", form.querySelector("[name=phone]").value);
      body.append("purpose", proof.dataset.purpose);
      var solved = form.querySelector("input[name=altcha]");
      if (solved) body.append("altcha", solved.value);
      button.disabled = true;
      fetch(proof.dataset.sendUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          status.textContent = answer.message;
          status.classList.toggle("text-danger", !answer.sent);
          if (answer.challenge && challengeBox) loadWidget(challengeBox);
          if (answer.sent) countdown(button, 60);
          else button.disabled = false;
        })
        .catch(function () {
          status.textContent = proof.dataset.networkError;
          button.disabled = false;
        });
    });
  });
})();
