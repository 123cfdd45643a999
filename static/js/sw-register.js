// The service worker (/sw.js, scope "/"): the landing page and the report form open without
// a network, and reports made offline are kept until they can be sent (templates/pwa/sw.js).
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      /* no worker (a private window, a blocked one): the site works online as before */
    });
  });
})();
