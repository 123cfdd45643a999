"""What every page that shows a private link sends with it."""


def private(response):
    # strict-origin: the Referer of every request from a private page (its styles, its forms,
    # a link to another site) is the bare origin, so the token in the path never leaves in a
    # Referer, to another host or to our own access logs. no-referrer did that too, but made
    # browsers send "Origin: null" with the page's forms, which Django's CSRF check refuses.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "strict-origin"
    return response
