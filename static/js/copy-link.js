// The thanks page's "copy private link" button. Without this file (or a browser that cannot
// copy) the button stays hidden and the link itself can be selected and copied by hand.
(function () {
  "use strict";
  var box = document.querySelector("[data-copy-link]");
  if (!box) return;
  var button = box.querySelector("[data-copy-target]");
  var status = box.querySelector("[data-copy-status]");
  var link = document.getElementById(button.getAttribute("data-copy-target"));
  if (!link) return;
  var canCopy = (navigator.clipboard && window.isSecureContext) || document.queryCommandSupported;
  if (!canCopy) return;
  box.hidden = false;

  function select() {
    var range = document.createRange();
    range.selectNodeContents(link);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function legacyCopy() {
    // Browsers without the Clipboard API (or outside https) still copy a selection.
    select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function say(ok) {
    status.textContent = button.getAttribute(ok ? "data-copied" : "data-failed");
    if (!ok) select();
  }

  button.addEventListener("click", function () {
    var text = link.href;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { say(true); },
        function () { say(legacyCopy()); }
      );
    } else {
      say(legacyCopy());
    }
  });
})();
