// The share block (templates/reports/_share.html): the device's own share menu where the
// browser has the Web Share API, and the Mastodon server a person chose, remembered in this
// browser only. The block works without this file: its links are plain links.
(function () {
  "use strict";
  var STORE = "einzelfall.mastodon-server";
  // What the server accepts, roughly: a name with a dot, nothing else (share_views checks).
  var LOOKS_LIKE_A_NAME = /^[^\s\/:@\\?#]+\.[^\s\/:@\\?#]+$/;

  function remembered() {
    try {
      return window.localStorage.getItem(STORE) || "";
    } catch (error) {
      return ""; // storage refused (private browsing, settings): nothing is remembered
    }
  }

  function remember(name) {
    try {
      window.localStorage.setItem(STORE, name);
    } catch (error) {
      // nothing to do: the form works without it
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-share]"), function (block) {
    if (block.getAttribute("data-share-bound")) return;
    block.setAttribute("data-share-bound", "1");
    var native = block.querySelector("[data-share-native]");
    if (!native || typeof navigator.share !== "function") return;
    var data = {
      text: block.getAttribute("data-share-text"),
      url: block.getAttribute("data-share-url"),
    };
    if (navigator.canShare && !navigator.canShare(data)) return;
    // Made here, not in the page: a browser that cannot share never shows a dead button.
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-primary";
    button.setAttribute("data-testid", "share-native");
    button.textContent = native.getAttribute("data-label");
    native.appendChild(button);
    native.hidden = false;
    button.addEventListener("click", function () {
      // A person who closes the share menu rejects the promise: not an error to show.
      navigator.share(data).catch(function () {});
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-mastodon-form]"), function (form) {
    if (form.getAttribute("data-mastodon-bound")) return;
    form.setAttribute("data-mastodon-bound", "1");
    var input = form.querySelector("input[name=instance]");
    if (!input) return;
    if (!input.value) input.value = remembered();
    form.addEventListener("submit", function () {
      var name = input.value.trim();
      if (LOOKS_LIKE_A_NAME.test(name)) remember(name);
    });
  });
})();
