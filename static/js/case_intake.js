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
  // Party blocks: added from the template, removed by their own button, renumbered after each
  // change so the formset's indices stay 0..n-1 (a block left blank is skipped by the server).
  var add = document.getElementById("add-party");
  var list = document.getElementById("party-forms");
  var total = document.getElementById("id_party-TOTAL_FORMS");
  function renumber() {
    var blocks = list.querySelectorAll(".party-form");
    blocks.forEach(function (block, index) {
      block.dataset.testid = "party-" + index;
      block.querySelector(".party-number").textContent = index + 1;
      block.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (element) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) element.setAttribute(attribute, value.replace(/party-(\d+|__prefix__)-/g, "party-" + index + "-"));
        });
      });
      // The last block standing is not removed: the case needs its applicant.
      block.querySelector("[data-remove-party]").hidden = blocks.length === 1;
    });
    total.value = blocks.length;
  }
  add.addEventListener("click", function () {
    var html = document.getElementById("party-template").innerHTML.replace(/__prefix__/g, total.value);
    list.insertAdjacentHTML("beforeend", html);
    renumber();
    list.lastElementChild.querySelector("select, input").focus();
  });
  list.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-party]");
    if (!button) return;
    button.closest(".party-form").remove();
    renumber();
    add.focus();
  });
  renumber();

  // 重点人员: as the clerk finishes an ID or phone number, ask the register (POST, the number never
  // in an address) and flag the block before anything is saved.
  var checkUrl = list.dataset.keyPersonCheck;
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  function check(block) {
    var body = new FormData();
    body.append("id_number", block.querySelector("input[name$='-id_number']").value);
    body.append("phone", block.querySelector("input[name$='-phone']").value);
    var flag = block.querySelector("[data-key-person-flag]");
    fetch(checkUrl, { method: "POST", body: body, headers: { "X-CSRFToken": csrf.value }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { entries: [] }; })
      .then(function (answer) {
        flag.replaceChildren();
        answer.entries.forEach(function (entry) {
          var note = document.getElementById("key-person-flag-template").content.firstElementChild.cloneNode(true);
          ["name", "township", "marked_at", "reason"].forEach(function (slot) {
            note.querySelector("[data-slot=" + slot + "]").textContent = entry[slot];
          });
          note.querySelector("[data-slot=url]").href = entry.url;
          flag.appendChild(note);
        });
      })
      .catch(function () { flag.replaceChildren(); });
  }
  if (checkUrl) {
    list.addEventListener("change", function (event) {
      if (event.target.matches("input[name$='-id_number'], input[name$='-phone']")) {
        check(event.target.closest(".party-form"));
      }
    });
  }
})();
