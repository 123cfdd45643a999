// Every copy button of the site: the thanks page's private link, the share block's link and
// its text for Signal, the /embed/ page's code boxes. A box [data-copy-link] holds buttons
// naming their source by id (data-copy-of, or data-copy-target); the button's data-copy-text
// is copied if given, else the source's value (a code box) or address (a link).
// Without this file (or a browser that cannot copy) the boxes stay hidden and the source
// can be selected and copied by hand. Loaded twice on one page, it binds each box once.
(function () {
  "use strict";
  var clipboard = navigator.clipboard && window.isSecureContext;
  var legacy = document.queryCommandSupported && document.queryCommandSupported("copy");
  if (!clipboard && !legacy) return;

  function select(element) {
    // Left selected after a failure, so the device's own copy command takes it.
    if (typeof element.select === "function") {
      element.focus();
      element.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function legacyCopy(text, button) {
    // Without the Clipboard API (http, or permission refused) a selection can still be
    // copied: a hidden textarea holding exactly the text, so the message never overclaims.
    var area = document.createElement("textarea");
    area.value = text;
    area.readOnly = true; // no on-screen keyboard on phones
    area.className = "visually-hidden";
    area.setAttribute("aria-hidden", "true");
    area.tabIndex = -1;
    // Next to the button, so that focusing it does not scroll the page away.
    button.parentNode.insertBefore(area, button.nextSibling);
    area.focus({ preventScroll: true });
    area.select();
    area.setSelectionRange(0, text.length);
    var ok = false;
    try {
      ok = document.execCommand("copy") === true;
    } catch (error) {
      ok = false;
    }
    area.parentNode.removeChild(area);
    button.focus();
    return ok;
  }

  function contentOf(source) {
    if ("value" in source && typeof source.select === "function") return source.value;
    return source.href || source.textContent;
  }

  function bind(box) {
    if (box.getAttribute("data-copy-bound")) return;
    box.setAttribute("data-copy-bound", "1");
    var status = box.querySelector("[data-copy-status]");
    var buttons = box.querySelectorAll("[data-copy-of], [data-copy-target]");
    var bound = 0;
    Array.prototype.forEach.call(buttons, function (button) {
      var id = button.getAttribute("data-copy-of") || button.getAttribute("data-copy-target");
      var source = document.getElementById(id);
      if (!source || !status) return;
      bound += 1;
      function say(ok) {
        status.textContent = button.getAttribute(ok ? "data-copied" : "data-failed");
        if (!ok) select(source);
      }
      button.addEventListener("click", function () {
        var text = button.getAttribute("data-copy-text") || contentOf(source);
        if (clipboard) {
          navigator.clipboard.writeText(text).then(
            function () { say(true); },
            function () { say(legacy && legacyCopy(text, button)); }
          );
        } else {
          say(legacyCopy(text, button));
        }
      });
    });
    if (bound) box.hidden = false;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy-link]"), bind);
})();
