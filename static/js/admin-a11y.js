// The admin's autocomplete boxes (select2) name their combobox by the chosen value alone:
// an empty box has no accessible name at all. Each box is named by its field's label too.
// Select2 builds the boxes on page load and for every inline row added, hence the observer.
(function () {
  "use strict";

  function name(select) {
    const container = select.nextElementSibling;
    if (!container || !container.classList.contains("select2") || select.dataset.named) {
      return;
    }
    const label = select.id && document.querySelector('label[for="' + select.id + '"]');
    const selection = container.querySelector(".select2-selection");
    const rendered = container.querySelector(".select2-selection__rendered");
    if (!label || !selection || !rendered) {
      return;
    }
    if (!label.id) {
      label.id = select.id + "-label";
    }
    selection.setAttribute("aria-labelledby", label.id + " " + rendered.id);
    rendered.setAttribute("aria-labelledby", label.id);
    select.dataset.named = "1";
  }

  function nameAll() {
    document.querySelectorAll("select.admin-autocomplete").forEach(name);
  }

  new MutationObserver(nameAll).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  document.addEventListener("DOMContentLoaded", nameAll);
})();
