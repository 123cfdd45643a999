"""Static files every public page loads (base.html), named once: the service worker caches
them for the form to open without a network."""

STYLESHEETS = ("vendor/bootstrap/bootstrap.min.css", "css/site.css")
