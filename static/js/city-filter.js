// The city list's search box filters the table as one types. Without this script the form
// is sent and the server filters (reports/views.py city_list); the keys are the server's
// (reports/selectors.py search_key), this computes the same key of what is typed.
(function () {
  "use strict";

  const SPELLED_OUT = { "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss" };

  // The matcher's abbreviations ("a.M." is "am Main"), given by the page as data.
  const list = document.getElementById("city-search-abbreviations");
  const ABBREVIATIONS = (list ? JSON.parse(list.textContent) : []).map(
    ([pattern, replacement]) => [new RegExp(pattern, "g"), replacement]
  );

  function searchKey(text) {
    let key = text
      .normalize("NFKC")
      .toLowerCase()
      .replace(/[äöüß]/g, (ch) => SPELLED_OUT[ch]);
    ABBREVIATIONS.forEach(([pattern, replacement]) => {
      key = key.replace(pattern, replacement);
    });
    return key
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, " ")
      .trim()
      .replace(/ae/g, "a")
      .replace(/oe/g, "o")
      .replace(/ue/g, "u");
  }

  function setUp(form) {
    const input = form.querySelector("input[name=q]");
    const table = document.querySelector(form.dataset.cityFilter);
    const count = document.getElementById("city-count");
    const none = document.getElementById("city-none");
    if (!input || !table) {
      return;
    }
    const rows = Array.from(table.tBodies[0].rows);
    const many = count.dataset.many;
    const one = count.dataset.one;

    function filter() {
      const wanted = searchKey(input.value);
      let shown = 0;
      rows.forEach((row) => {
        const match = row.dataset.key.includes(wanted);
        row.hidden = !match;
        shown += match ? 1 : 0;
      });
      count.textContent = shown === 1 ? one : many.replace("{count}", shown.toLocaleString(document.documentElement.lang));
      none.hidden = shown > 0;
      table.hidden = shown === 0;
    }

    input.addEventListener("input", filter);
    // Typed while the page was still loading (before this ran): filter for it now.
    if (input.value !== input.defaultValue) filter();
    // Enter filters in place: the page has every city, also after a search the server
    // answered (?q=), the others hidden.
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      filter();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-city-filter]").forEach(setUp);
  });
})();
