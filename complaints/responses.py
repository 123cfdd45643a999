"""What every page that shows a private link sends with it."""


def private(response):
    # strict-origin: requests from a private page send the bare origin as Referer, never the
    # token in its path (no-referrer made forms send "Origin: null", which CSRF refuses).
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "strict-origin"
    return response
