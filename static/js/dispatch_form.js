/* The dispatch form (分流转办) on the case page: type to filter the lead-unit list and the co-unit
   checklist, and keep the pre-filled deadline and its reason in step with the chosen lead unit
   (a statute such as 人民调解's one month governs some units). The reasons come from the server
   (disputes.deadlines.dispatch_due) as JSON; nothing is computed here. */
(function () {
  "use strict";
  function matches(text, term) { return text.toLowerCase().indexOf(term) !== -1; }

  document.querySelectorAll("[data-filter-options]").forEach(function (input) {
    var select = document.getElementById(input.dataset.filterOptions);
    if (!select) return;
    input.addEventListener("input", function () {
      var term = input.value.trim().toLowerCase(), shown = 0;
      // The blank "please choose" line is no match for anything typed.
      select.querySelectorAll(":scope > option").forEach(function (option) { option.hidden = !!term; });
      select.querySelectorAll("optgroup").forEach(function (group) {
        var groupHit = matches(group.label, term), any = false;
        group.querySelectorAll("option").forEach(function (option) {
          var hit = !term || groupHit || matches(option.text, term);
          option.hidden = !hit;
          if (hit) { any = true; shown += 1; }
        });
        group.hidden = !any;
        if (any) shown += 1;  // its heading takes a line too
      });
      // While filtering, show the matches as an open list to pick from.
      select.size = term ? Math.max(2, Math.min(10, shown)) : 0;
    });
    // Enter in the search box picks the only match instead of sending the form.
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      var matches = [].filter.call(select.options, function (o) { return o.value && !o.hidden; });
      if (matches.length === 1) {
        select.value = matches[0].value;
        select.dispatchEvent(new Event("change"));
        select.focus();
      }
    });
  });

  document.querySelectorAll("[data-filter-checks]").forEach(function (input) {
    var list = document.getElementById(input.dataset.filterChecks);
    if (!list) return;
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();  // filtering, not sending the form
    });
    input.addEventListener("input", function () {
      var term = input.value.trim().toLowerCase();
      list.querySelectorAll(".unit-group").forEach(function (group) {
        var groupHit = matches(group.dataset.group, term), any = false;
        group.querySelectorAll(".form-check").forEach(function (row) {
          var hit = !term || groupHit || matches(row.textContent, term) || row.querySelector("input").checked;
          row.hidden = !hit;
          if (hit) any = true;
        });
        group.hidden = !any;
      });
    });
  });

  var data = document.getElementById("dispatch-due-by-unit");
  var form = document.querySelector("[data-dispatch-form]");
  if (!data || !form) return;
  var byUnit = JSON.parse(data.textContent);
  var lead = form.querySelector("select[name$='lead_unit']");
  var due = form.querySelector("input[name$='-due']");
  var reason = form.querySelector("[data-due-reason]");
  var typed = false;
  due.addEventListener("input", function () { typed = true; });
  // The lead unit cannot also co-handle: its box is cleared and disabled.
  function leadIsNoCoUnit() {
    form.querySelectorAll("input[name$='co_units']").forEach(function (box) {
      var isLead = box.value === lead.value;
      if (isLead) box.checked = false;
      box.disabled = isLead;
    });
  }
  lead.addEventListener("change", function () {
    var advice = byUnit[lead.value] || byUnit[""];
    if (!typed) due.value = advice.due;
    reason.textContent = advice.reason;
    leadIsNoCoUnit();
  });
  leadIsNoCoUnit();
})();
