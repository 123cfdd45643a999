"""gunicorn's logs without the secret parts of links and without client addresses.

A report's private link (/report/thanks/<reference>/, which views and deletes it) and the
confirmation and follow-up tokens are as good as passwords, and a client's address is personal
data: neither the access log nor the error log (which names the client of a malformed request)
may keep them. The rule is the one every other log line goes through (log_privacy.mask).
"""

from gunicorn.glogging import Logger

from .log_privacy import MaskPrivateData, mask

redact = mask  # (the name this module's rule had first)


class PrivateLinksLogger(Logger):
    def setup(self, cfg):
        # Run again on a reload (HUP), which makes the handlers anew.
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, MaskPrivateData) for f in handler.filters):
                    handler.addFilter(MaskPrivateData())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r", "q", "f"):  # path, request line, query, referer
            if isinstance(atoms.get(key), str):
                atoms[key] = mask(atoms[key])
        return atoms
