"""Static files every public page loads (base.html), named once: the service worker caches
them for the form to open without a network."""

# build/bootstrap.css is made by make (bin/build_css.py from assets/site.scss), not committed.
STYLESHEETS = ("build/bootstrap.css", "css/site.css")
