// Suggestions for the report form's city and district fields. The form works without this
// file: the city field's <datalist> is filled by the server with the largest cities; this
// adds every known city as the user types, and the chosen city's districts.
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest-url]");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-suggest-url");
  var city = form.querySelector("#id_city");
  var cityList = document.getElementById("city-suggestions");
  var districtList = document.getElementById("district-suggestions");
  var timer = null;
  var lastCityQuery = "";
  var lastDistrictCity = "";

  function fill(list, results) {
    list.textContent = "";
    results.forEach(function (place) {
      var option = document.createElement("option");
      option.value = place.name;
      if (place.state && place.kind === "city") option.label = place.name + " (" + place.state + ")";
      list.appendChild(option);
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
  form.addEventListener("submit", function () {
    window.setTimeout(function () { enable(false); }, 0);
    // The request may never arrive (a dropped mobile connection): sendable again after a while.
    window.setTimeout(function () { enable(true); }, 8000);
  });
  // Back to the page from the browser's cache: the form can be sent again.
  window.addEventListener("pageshow", function () { enable(true); });
})();
