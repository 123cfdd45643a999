"""gunicorn's logs without the secret parts of links and without client addresses.

A report's private link (/report/thanks/<reference>/, which views and deletes it) and the
confirmation and follow-up tokens are as good as passwords, and a client's address is personal
data: neither the access log nor the error log (which names the client of a malformed request)
may keep them. The rule is the one every other log line goes through (log_privacy.mask).

A carrier's API key (Open311) is a password too. The configured format logs the path only
(%(U)s), but an operator who adds the query (%(q)s: "api_key=…" with no "?" before it) or a
request header (%({authorization}i)s) must not write it either.
"""

import logging
import re

from gunicorn.glogging import Logger

from .log_privacy import MASK, MaskPrivateData

# A query string's first parameter (no "?" before it, so log_privacy's rule does not see it),
# and a bearer token or an API key header's value.
_BARE_SECRET = re.compile(
    r"((?:^|(?<=[\s\"'(\[]))(?:token|key|api_key|apikey|reference|ref|signature|sig|code)=)"
    r"[^&#\s\"'<>]+",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(\bBearer\s+)[^\s\"'<>,]+", re.IGNORECASE)
# A carrier API key wherever it stands (an X-Api-Key header's value): the form that
# complaints/carrier/open311/keys.py gives every key.
_API_KEY = re.compile(r"\bezf_[A-Za-z0-9_-]{8,}")


class MaskApiKeys(logging.Filter):
    """After MaskPrivateData: a bare query's secret and a bearer token masked too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit: logging reports that itself
            return True
        masked = _BARE_SECRET.sub(rf"\1{MASK}", message)
        masked = _API_KEY.sub(MASK, _BEARER.sub(rf"\1{MASK}", masked))
        if masked != message:
            record.msg, record.args = masked, None
        return True


class PrivateLinksLogger(Logger):
    def setup(self, cfg):
        # The filter masks each whole line (the access log's path, request line, query and
        # referer included) before it is written. Run again on a reload (HUP), which makes
        # the handlers anew.
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, MaskPrivateData) for f in handler.filters):
                    handler.addFilter(MaskPrivateData())
                if not any(isinstance(f, MaskApiKeys) for f in handler.filters):
                    handler.addFilter(MaskApiKeys())
