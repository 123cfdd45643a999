// Suggestions for the report form's city and district fields. The form works without this
// file: the city field's <datalist> is filled by the server with the largest cities; this
// adds every known city as the user types, and the chosen city's districts.
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest-url]");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-suggest-url");
  var city = form.querySelector("#id_city");
  var district = form.querySelector("#id_district");
  var postal = form.querySelector("#id_postal_code");
  var cityList = document.getElementById("city-suggestions");
  var districtList = document.getElementById("district-suggestions");
  var timer = null;
  var lastCityQuery = "";
  var lastDistrictCity = "";
  // What a chosen suggestion of the city field stands for: "Hamburg, Altona" is a city and a
  // district (split into both fields); a city found by its postal code brings that code along.
  var chosen = {};

  function fill(list, results) {
    list.textContent = "";
    if (list === cityList) chosen = {};
    results.forEach(function (place) {
      var option = document.createElement("option");
      option.value = place.name;
      if (place.kind === "district" && place.city && list === cityList) {
        option.value = place.city + ", " + place.name;
        chosen[option.value] = { city: place.city, district: place.name };
      } else if (place.postal_code) {
        option.label = place.postal_code + " " + place.name;
        chosen[option.value] = { city: place.name, postal: place.postal_code };
      } else if (place.state && place.kind === "city") {
        option.label = place.name + " (" + place.state + ")";
      }
      list.appendChild(option);
    });
  }

  // A suggestion taken: its parts go to their own fields (never over something typed there).
  city.addEventListener("input", function () {
    var place = chosen[city.value];
    if (!place) return;
    if (place.district && district && !district.value.trim()) {
      city.value = place.city;
      district.value = place.district;
    }
    if (place.postal && postal && !postal.value.trim() && /^\d{5}$/.test(lastCityQuery)) {
      postal.value = place.postal;
    }
    loadDistricts();
  });

  // A postal code typed first: the city field offers the city it belongs to.
  if (postal) {
    postal.addEventListener("input", function () {
      var value = postal.value.replace(/\s/g, "");
      if (/^\d{5}$/.test(value)) load({ q: value }, cityList);
    });
  }

  function load(params, list) {
    var query = new URLSearchParams(params).toString();
    return fetch(url + "?" + query, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { fill(list, data.results || []); })
      .catch(function () { /* suggestions are a nicety; typing still works */ });
  }

  city.addEventListener("input", function () {
    var value = city.value.trim();
    clearTimeout(timer);
    if (value.length < 2 || value === lastCityQuery) return;
    timer = setTimeout(function () {
      lastCityQuery = value;
      load({ q: value }, cityList);
    }, 150);
  });

  function loadDistricts() {
    var value = city.value.trim();
    if (!value || value === lastDistrictCity) return;
    lastDistrictCity = value;
    load({ city: value }, districtList);
  }
  city.addEventListener("change", loadDistricts);
  if (city.value) loadDistricts();
})();

// A second click on "send" while the first is on its way would post the same form twice
// (the server stores it once and answers the second with a plain "received" page).
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest-url]");
  if (!form) return;
  var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
  function enable(on) {
    buttons.forEach(function (button) { button.disabled = !on; });
  }
  form.addEventListener("submit", function (event) {
    window.setTimeout(function () {
      // Kept in the outbox instead of sent (outbox.js, offline): the form is free again.
      if (!event.defaultPrevented) enable(false);
    }, 0);
    // The request may never arrive (a dropped mobile connection): sendable again after a while.
    window.setTimeout(function () { enable(true); }, 8000);
  });
  // Back to the page from the browser's cache: the form can be sent again.
  window.addEventListener("pageshow", function () { enable(true); });
})();

// After a failed submit: the error summary takes the focus (a screen reader reads it out),
// and each of its links puts the focus into its field, with the field's label in view.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (!input) return;
    event.preventDefault();
    var group = (input.type === "radio" || input.type === "checkbox") && input.closest("fieldset");
    var label = (group && group.querySelector("legend")) ||
      document.querySelector("label[for='" + input.id + "']");
    (label || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();

// Switching the language reloads the page: what was filled in goes along (kept for this tab
// in sessionStorage, put back into the form in the new language and then deleted).
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest-url]");
  var switcher = document.querySelector("form.lang-switch");
  if (!form || !switcher || !window.sessionStorage) return;
  var KEY = "einzelfall-report-draft";
  var SKIP = { csrfmiddlewaretoken: true, form_stamp: true, website: true };

  switcher.addEventListener("submit", function () {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (!SKIP[name] && typeof value === "string") fields.push([name, value]);
    });
    try {
      window.sessionStorage.setItem(KEY, JSON.stringify(fields));
    } catch (error) { /* storage full or refused: the switch works, the entries are lost */ }
  });

  var saved;
  try {
    saved = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
    window.sessionStorage.removeItem(KEY);
  } catch (error) {
    saved = null;
  }
  if (!Array.isArray(saved)) return;
  var choices = {};
  saved.forEach(function (pair) {
    var element = form.elements.namedItem(pair[0]);
    if (!element) return;
    var first = element.length !== undefined && !element.options ? element[0] : element;
    if (first && (first.type === "checkbox" || first.type === "radio")) {
      (choices[pair[0]] = choices[pair[0]] || []).push(pair[1]);
    } else if (first && first.type !== "hidden") {
      first.value = pair[1];
    }
  });
  Object.keys(choices).forEach(function (name) {
    form.querySelectorAll("input[name='" + name + "']").forEach(function (input) {
      input.checked = choices[name].indexOf(input.value) !== -1;
    });
  });
})();
