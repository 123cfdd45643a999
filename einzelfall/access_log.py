"""gunicorn's logs without the secret parts of links and without client addresses.

A report's private link (/report/thanks/<reference>/, which views and deletes it) and the
confirmation and follow-up tokens are as good as passwords, and a client's address is personal
data: neither the access log nor the error log (which names the client of a malformed request)
may keep them. The rule is the one every other log line goes through (log_privacy.mask).
"""

from gunicorn.glogging import Logger

from .log_privacy import MaskPrivateData


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
