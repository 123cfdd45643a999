// Copy buttons: the thanks page's private link and the share block's public link (and its
// text for Signal). Without this file (or a browser that cannot copy) the buttons stay hidden
// and the link itself can be selected and copied by hand. Loaded twice on one page, it binds
// each box once.
(function () {
  "use strict";
  var canCopy = (navigator.clipboard && window.isSecureContext) || document.queryCommandSupported;
  if (!canCopy) return;

  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function legacyCopy(element) {
    // Browsers without the Clipboard API (or outside https) still copy a selection.
    select(element);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function bind(box) {
    if (box.getAttribute("data-copy-bound")) return;
    var status = box.querySelector("[data-copy-status]");
    // data-copy-target: the private link's button; data-copy-of: the share block's.
    var buttons = box.querySelectorAll("[data-copy-target], [data-copy-of]");
    var bound = 0;
    Array.prototype.forEach.call(buttons, function (button) {
      var id = button.getAttribute("data-copy-target") || button.getAttribute("data-copy-of");
      var link = document.getElementById(id);
      if (!link) return;
      bound += 1;
      function say(ok) {
        status.textContent = button.getAttribute(ok ? "data-copied" : "data-failed");
        if (!ok) select(link);
      }
      button.addEventListener("click", function () {
        var text = button.getAttribute("data-copy-text") || link.href;
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(
            function () { say(true); },
            function () { say(legacyCopy(link)); }
          );
        } else {
          say(legacyCopy(link));
        }
      });
    });
    box.setAttribute("data-copy-bound", "1");
    if (bound) box.hidden = false;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy-link]"), bind);
})();
