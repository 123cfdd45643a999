"""Make the English catalogue the identity: the source strings are English.

Run by `make messages` after makemessages, which may have guessed ("fuzzy") translations
from similar strings; every entry is set to its own msgid instead.
"""

import sys

import polib

path = sys.argv[1] if len(sys.argv) > 1 else "locale/en/LC_MESSAGES/django.po"
catalogue = polib.pofile(path, wrapwidth=0)
for entry in catalogue:
    entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
    entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    if entry.msgid_plural:
        entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
    else:
        entry.msgstr = entry.msgid
catalogue.save(path)
