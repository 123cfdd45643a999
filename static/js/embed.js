// The /embed/ page's "copy code" buttons. Without this file (or a browser that cannot copy)
// the buttons stay hidden and the code can be selected and copied from its box by hand.
(function () {
  "use strict";
  var canCopy = (navigator.clipboard && window.isSecureContext) || document.queryCommandSupported;
  if (!canCopy) return;

  function legacyCopy(box) {
    // Without the Clipboard API (or outside https) a selection can still be copied.
    box.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.querySelectorAll("[data-embed-copy]").forEach(function (row) {
    var button = row.querySelector("[data-copy-source]");
    var status = row.querySelector("[data-copy-status]");
    var box = document.getElementById(button.getAttribute("data-copy-source"));
    if (!box) return;
    row.hidden = false;

    function say(ok) {
      status.textContent = button.getAttribute(ok ? "data-copied" : "data-failed");
      if (!ok) box.select();
    }

    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(box.value).then(
          function () { say(true); },
          function () { say(legacyCopy(box)); }
        );
      } else {
        say(legacyCopy(box));
      }
    });
  });
})();
