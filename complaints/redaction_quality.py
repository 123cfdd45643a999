"""How well redaction works, measured on the labelled corpus in tests/redaction_corpus/.

Used by `manage.py redaction_report` and tests/test_redaction.py. A finder takes (text,
email) and returns the spans it would remove as (start, end, category) in the original text;
finder_from_redactor() turns any redact()-like function into one, so that the old rules or
another library can be measured the same way.

Figures:
- recall: of the words (runs of letters and digits) inside labelled personal data, the share
  that is removed completely; per category of the label;
- precision: of the characters removed, the share inside labelled personal data; per
  category of the rule that removed them;
- clean texts unchanged: texts without personal data that come out byte-identical.
"""

import difflib
import json
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent.parent / "tests" / "redaction_corpus"
CORPUS = CORPUS_DIR / "corpus.jsonl"
HELDOUT = CORPUS_DIR / "heldout.jsonl"

Span = tuple[int, int, str]
Finder = Callable[[str, str], list[Span]]
_WORD = re.compile(r"\w+")
# A character no text contains: what a redactor writes instead of REDACTED when measured.
MARKER = "\ue000"


def load_corpus(path: Path = CORPUS) -> list[dict]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def finder_from_redactor(redactor: Callable[[str, str], str]) -> Finder:
    """A finder for a function that returns the text with MARKER where it removed something:
    the removed characters are those the output does not keep (their rule is unknown)."""

    def find(text: str, email: str) -> list[Span]:
        output = redactor(text, email)
        matcher = difflib.SequenceMatcher(None, text, output, autojunk=False)
        spans, position = [], 0
        for start, _, size in matcher.get_matching_blocks():
            if start > position:
                spans.append((position, start, "?"))
            position = start + size
        return spans

    return find


@dataclass
class Figures:
    texts: int = 0
    personal_texts: int = 0
    clean_texts: int = 0
    clean_unchanged: int = 0
    words: dict = field(default_factory=lambda: defaultdict(int))
    words_removed: dict = field(default_factory=lambda: defaultdict(int))
    removed_chars: dict = field(default_factory=lambda: defaultdict(int))
    removed_chars_personal: dict = field(default_factory=lambda: defaultdict(int))
    misses: list = field(default_factory=list)
    false_alarms: list = field(default_factory=list)

    @property
    def recall(self) -> float:
        return _ratio(sum(self.words_removed.values()), sum(self.words.values()))

    @property
    def precision(self) -> float:
        return _ratio(sum(self.removed_chars_personal.values()), sum(self.removed_chars.values()))

    @property
    def clean_rate(self) -> float:
        return _ratio(self.clean_unchanged, self.clean_texts)

    def category_recall(self, category: str) -> float:
        return _ratio(self.words_removed[category], self.words[category])

    def category_precision(self, category: str) -> float | None:
        if not self.removed_chars[category]:
            return None
        return _ratio(self.removed_chars_personal[category], self.removed_chars[category])


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def evaluate(find: Finder, rows: list[dict]) -> Figures:
    figures = Figures()
    for row in rows:
        text, email = row["text"], row.get("email", "")
        spans = find(text, email)
        removed = [False] * len(text)
        for start, end, _ in spans:
            removed[start:end] = [True] * (end - start)
        personal = [False] * len(text)
        figures.texts += 1
        missed = []
        for label in row["pii"]:
            begin = text.index(label["text"])
            personal[begin : begin + len(label["text"])] = [True] * len(label["text"])
            for word in _WORD.finditer(label["text"]):
                figures.words[label["category"]] += 1
                if all(removed[begin + word.start() : begin + word.end()]):
                    figures.words_removed[label["category"]] += 1
                else:
                    missed.append(word.group())
        for start, end, category in spans:
            figures.removed_chars[category] += end - start
            figures.removed_chars_personal[category] += sum(personal[start:end])
        if row["pii"]:
            figures.personal_texts += 1
            if missed:
                figures.misses.append((row["id"], text, missed))
        else:
            figures.clean_texts += 1
            if spans:
                figures.false_alarms.append((row["id"], text, [text[s:e] for s, e, _ in spans]))
            else:
                figures.clean_unchanged += 1
    return figures


def timings(redactor: Callable[[str, str], str], texts: list[str], rounds: int = 5) -> dict:
    """Seconds per description: median, p99 and max over every text, best of `rounds` runs
    per text (the machine is shared; the best run is the rules' own cost)."""
    per_text = []
    for text in texts:
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            redactor(text, "")
            best = min(best, time.perf_counter() - started)
        per_text.append(best)
    per_text.sort()
    return {
        "median": statistics.median(per_text),
        "p99": per_text[min(len(per_text) - 1, int(len(per_text) * 0.99))],
        "max": per_text[-1],
    }


def long_texts(rows: list[dict], length: int = 2000) -> list[str]:
    """Descriptions of the form's maximum length, made of corpus texts one after another."""
    texts, current = [], ""
    for row in rows:
        current = f"{current} {row['text']}".strip()
        if len(current) >= length:
            texts.append(current[:length])
            current = ""
    return texts


def hostile_texts(length: int = 2000) -> dict[str, str]:
    """Inputs that make careless regular expressions backtrack for seconds or minutes."""
    return {
        "digits": "1" * length,
        "digits and spaces": "1 " * (length // 2),
        "zero and spaces": "0 " * (length // 2),
        "dots": "." * length,
        "digits and dots": "1." * (length // 2),
        "at repeated": "at " * (length // 3),
        "(at) repeated": "a(at)" * (length // 5),
        "@ repeated": "a@" * (length // 2),
        "letters spaced": "a " * (length // 2),
        "digit words": "null eins " * (length // 10),
        "plus and digits": "+4" * (length // 2),
        "hex and colons": "ab:" * (length // 3),
        "capitals": "Herr " * (length // 5),
        "name cues": "Ich heiße " * (length // 10),
        "street words": "Hauptstraße " * (length // 12),
        "dashes": "1-" * (length // 2),
        "mixed": "0176/ 12.34-(at) " * (length // 17),
    }
