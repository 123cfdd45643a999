// What the phone knows about its connection (the Network Information API, where the browser
// has it): a note naming the technology the connection's speed suggests, with a button that
// chooses it. effectiveType is a speed class, not the radio (a slow LTE line says "3g"), so
// nothing is preselected: only the person's choice counts. No note on Wi-Fi, cable, offline.
(function () {
  "use strict";
  var TECHNOLOGY = { "slow-2g": "2g", "2g": "2g", "3g": "3g", "4g": "4g" };
  var connection = navigator.connection;
  var form = document.querySelector("form[data-suggest-url]");
  if (!connection || !form || !navigator.onLine) return;
  // Only a phone on its mobile network: desktop Chrome gives no type, and a desktop on
  // Wi-Fi reports an effectiveType of "4g" too.
  if (connection.type !== "cellular") return;
  // A form shown again after a mistake holds the person's own answers, "I don't know" too.
  if (document.querySelector("[data-error-summary], [data-testid=confirm-step], [data-testid=sent-before]")) return;
  var suggestion = TECHNOLOGY[connection.effectiveType];
  var input = suggestion && form.querySelector("input[name=technology][value='" + suggestion + "']");
  if (!input) return;
  var checked = form.querySelector("input[name=technology]:checked");
  if (checked && checked.value !== "unknown") return;
  function text(name) {
    var element = document.querySelector("[data-outbox] [data-text=" + name + "]");
    return element ? element.textContent.trim() : "";
  }
  var label = form.querySelector("label[for='" + input.id + "']");
  var name = label ? label.textContent.trim() : suggestion.toUpperCase();
  var group = input.closest("fieldset") || input.parentNode;
  var note = document.createElement("p");
  note.className = "form-text technology-suggestion";
  note.id = "technology-suggestion";
  note.setAttribute("data-testid", "technology-suggestion");
  note.textContent = text("suggested").replace("{technology}", name) + " ";
  var choose = document.createElement("button");
  choose.type = "button";
  choose.className = "btn btn-outline-secondary btn-sm";
  choose.setAttribute("data-testid", "technology-choose");
  choose.textContent = text("choose").replace("{technology}", name);
  choose.addEventListener("click", function () {
    input.checked = true;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
  });
  note.appendChild(choose);
  group.appendChild(note);
  var described = group.getAttribute("aria-describedby");
  group.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
  form.querySelectorAll("input[name=technology]").forEach(function (radio) {
    radio.addEventListener("change", function () { note.hidden = true; });
  });
})();
