// What the phone knows about its connection (the Network Information API, where the browser
// has it): a suggested network technology, only while the person has chosen none, with a
// note that says where it comes from. A choice is never changed; no guess on Wi-Fi, cable
// or offline. effectiveType tops out at "4g": a 5G phone is suggested 4G, and can say so.
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
  var text = document.querySelector("[data-outbox] [data-text=suggested]");
  input.checked = true;
  var group = input.closest("fieldset") || input.parentNode;
  var note = document.createElement("p");
  note.className = "form-text technology-suggestion";
  note.id = "technology-suggestion";
  note.setAttribute("data-testid", "technology-suggestion");
  note.textContent = text ? text.textContent.trim() : "";
  group.appendChild(note);
  var described = group.getAttribute("aria-describedby");
  group.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
  form.querySelectorAll("input[name=technology]").forEach(function (radio) {
    radio.addEventListener("change", function () { note.hidden = true; });
  });
})();
