// "Use my location" on the report form (issue 22). The phone's position is asked for once per
// press, rounded here to two decimals (about 1 km), and only used to look up the nearest
// place: it is never put into the form, stored, or written to the console.
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest-url]");
  if (!form || !navigator.geolocation || !window.fetch) return;
  var city = form.querySelector("#id_city");
  var district = form.querySelector("#id_district");
  if (!city) return;

  // The button comes from the template in the page head (complaints/_locate_head.html): put
  // after the city and district row only here, so a browser without it never shows it.
  var template = document.getElementById("locate-template");
  var row = (district || city).closest(".row");
  if (!template || !template.content || !row) return;
  var box = template.content.querySelector("[data-locate]").cloneNode(true);
  row.parentNode.insertBefore(box, row.nextSibling);
  var button = box.querySelector("[data-locate-button]");
  var status = box.querySelector("[data-locate-status]");
  var nearestUrl = box.getAttribute("data-nearest-url");
  var centroidsUrl = box.getAttribute("data-centroids-url");
  box.hidden = false;

  // What the button itself last put into each field: that may be replaced, typed text not.
  var filledByButton = { city: null, district: null };
  var offlineIndex = null;
  var indexLoading = null;

  function message(name, place) {
    return (box.getAttribute("data-msg-" + name) || "").replace("{place}", place || "");
  }

  function say(text) {
    status.textContent = text;
  }

  // The offline index (every city's centroid): fetched once, from the network or, without
  // one, from the service worker's cache; kept in memory once read.
  function loadIndex() {
    if (offlineIndex) return Promise.resolve(offlineIndex);
    if (indexLoading) return indexLoading;
    indexLoading = fetch(centroidsUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("index " + response.status);
        return response.json();
      })
      .catch(function () {
        if (!window.caches) throw new Error("no cache");
        return caches.match(centroidsUrl).then(function (cached) {
          if (!cached) throw new Error("not cached");
          return cached.json();
        });
      })
      .then(function (data) {
        offlineIndex = decodeIndex(data);
        return offlineIndex;
      })
      .finally(function () {
        indexLoading = null;
      });
    return indexLoading;
  }

  // Format 1 of complaints/places/nearest.py: latitudes as differences, in hundredths.
  function decodeIndex(data) {
    if (!data || data.format !== 1) throw new Error("unknown index format");
    var names = data.names.split("|");
    var lat = new Float64Array(data.lat.length);
    var total = 0;
    for (var i = 0; i < data.lat.length; i++) {
      total += data.lat[i];
      lat[i] = total / data.scale;
    }
    var lon = Float64Array.from(data.lon, function (v) { return v / data.scale; });
    return { names: names, lat: lat, lon: lon };
  }

  // As the server does (nearest.py): Germany with a margin, the nearest centroid within 20 km.
  function nearestOffline(index, lat, lon) {
    if (lat < 47.0 || lat > 55.35 || lon < 5.4 || lon > 15.5) return null;
    var scale = Math.cos((lat * Math.PI) / 180);
    var best = -1;
    var bestKm = 20;
    for (var i = 0; i < index.names.length; i++) {
      var km = 111.2 * Math.hypot(index.lat[i] - lat, (index.lon[i] - lon) * scale);
      if (km < bestKm) {
        best = i;
        bestKm = km;
      }
    }
    return best < 0 ? null : { city: { name: index.names[best] }, district: null };
  }

  function mayFill(field, key) {
    var value = field.value.trim();
    return value === "" || value === filledByButton[key];
  }

  function setField(field, key, value) {
    field.value = value;
    filledByButton[key] = value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function fill(found, offline) {
    var cityName = found.city.name;
    var districtName = found.district ? found.district.name : "";
    var place = districtName ? cityName + ", " + districtName : cityName;
    var filledAny = false;
    var keptAny = false;
    if (mayFill(city, "city")) {
      setField(city, "city", cityName);
      filledAny = true;
    } else if (city.value.trim() !== cityName) {
      keptAny = true;
    }
    if (district) {
      if (mayFill(district, "district")) {
        // An earlier press's district goes when this place has none.
        if (districtName || district.value.trim()) setField(district, "district", districtName);
        if (districtName) filledAny = true;
      } else if (districtName && district.value.trim() !== districtName) {
        keptAny = true;
      }
    }
    if (keptAny || !filledAny) say(message("kept", place));
    else say(message(offline ? "filled-offline" : "filled", place));
  }

  function lookUpOffline(lat, lon) {
    return loadIndex().then(
      function (index) {
        var found = nearestOffline(index, lat, lon);
        if (found) fill(found, true);
        else say(message("none"));
      },
      function () {
        say(message("offline"));
      }
    );
  }

  function lookUp(lat, lon) {
    if (navigator.onLine === false) return lookUpOffline(lat, lon);
    var query = "?lat=" + lat.toFixed(2) + "&lon=" + lon.toFixed(2);
    // no-store: the answer (and the URL with the position) stays out of the browser's cache.
    return fetch(nearestUrl + query, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    }).then(
      function (response) {
        if (response.status === 404) return say(message("none"));
        if (!response.ok) return say(message("error"));
        return response.json().then(function (found) { fill(found, false); });
      },
      function () {
        return lookUpOffline(lat, lon);
      }
    );
  }

  // Not disabled while it works: a disabled button would drop the keyboard's focus.
  var busy = false;
  function done() {
    busy = false;
    button.removeAttribute("aria-busy");
  }

  button.addEventListener("click", function () {
    if (busy) return;
    busy = true;
    button.setAttribute("aria-busy", "true");
    say(message("asking"));
    loadIndex().catch(function () { /* only needed offline; tried again then */ });
    navigator.geolocation.getCurrentPosition(
      function (position) {
        // Rounded at once; the exact position goes no further than this line.
        var lat = Math.round(position.coords.latitude * 100) / 100;
        var lon = Math.round(position.coords.longitude * 100) / 100;
        lookUp(lat, lon)
          .catch(function () { say(message("error")); })
          .then(done, done);
      },
      function (error) {
        if (error.code === error.PERMISSION_DENIED) say(message("denied"));
        else if (error.code === error.TIMEOUT) say(message("timeout"));
        else say(message("unavailable"));
        done();
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 0 }
    );
  });

  // Fetched ahead, while there is a connection, so that the button works offline later.
  function prefetch() {
    loadIndex().catch(function () { /* tried again on use */ });
  }
  button.addEventListener("focus", prefetch, { once: true });
  button.addEventListener("pointerenter", prefetch, { once: true });
})();
