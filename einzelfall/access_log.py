"""gunicorn's access log without the secret parts of links.

A report's private link (/report/thanks/<reference>/, which views and deletes it) and the
confirmation and follow-up tokens are as good as passwords: an access log must not keep them.
"""

import re

from gunicorn.glogging import Logger

PRIVATE = re.compile(r"(/report/(?:thanks|confirm|followup)/)[^/?\s]+")


def redact(text: str) -> str:
    return PRIVATE.sub(r"\1…", text)


class PrivateLinksLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r", "q", "f"):  # path, request line, query, referer
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
