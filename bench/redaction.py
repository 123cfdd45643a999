"""Redaction on the labelled corpus: our rules, the rules before issue 16, and Presidio.

    python bench/redaction.py              # our rules and the old ones (no Django needed)
    python bench/redaction.py --presidio   # also Microsoft Presidio (optional, see below)

Presidio is not a dependency of the site. To measure it, install it in a separate
environment: `pip install presidio-analyzer` (it brings spaCy). spaCy's trained German models
are not on PyPI (the "de-core-news-*" names there are placeholders), so Presidio runs here
with a blank German spaCy pipeline: its pattern recognizers (email, phone via the
phonenumbers library, IBAN, IP, URL, credit card, date, German licence plates) with German
context words, and no named-entity recognition (no names, no addresses).

Prints recall, precision, clean texts unchanged and time per description for each corpus
file; `manage.py redaction_report` writes our figures to docs/redaction.md.
"""

import argparse
import importlib.util
import json
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from complaints.privacy import quality as redaction_quality  # noqa: E402
from complaints.privacy import redaction  # noqa: E402

FILES = {"corpus": redaction_quality.CORPUS, **redaction_quality.HELDOUTS}
# German words that raise Presidio's score for a nearby match (its context enhancement).
CONTEXT = {
    "EMAIL_ADDRESS": ["mail", "e-mail", "email", "adresse", "kontakt", "schreibt"],
    "PHONE_NUMBER": ["telefon", "tel", "handy", "nummer", "rufnummer", "mobil", "anrufen"],
    "IBAN_CODE": ["iban", "konto", "bankverbindung", "gutschrift", "erstattung"],
    "IP_ADDRESS": ["ip", "adresse", "router"],
    "URL": ["link", "video", "screenshots", "siehe"],
    "DATE_TIME": ["geboren", "geb", "geburtsdatum", "geburtstag"],
}


def old_rules():
    """redact() as it was before issue 16 (from git), writing MARKER for what it removes."""
    source = subprocess.run(
        [shutil.which("git") or "git", "show", "27d3e3f:complaints/redaction.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "old_redaction.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_redaction", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.REDACTED = redaction_quality.MARKER
    return module.redact


def presidio_finder():
    try:
        import spacy
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            DateRecognizer,
            DeKfzRecognizer,
            EmailRecognizer,
            IbanRecognizer,
            IpRecognizer,
            PhoneRecognizer,
            UrlRecognizer,
        )
    except ImportError:
        sys.exit("Presidio is not installed: pip install presidio-analyzer (and spaCy)")
    # tldextract (for URLs) tries to download the public suffix list, then uses its own copy.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    model = Path(tempfile.mkdtemp()) / "de_blank"
    spacy.blank("de").to_disk(model)
    engine = SpacyNlpEngine(models=[{"lang_code": "de", "model_name": str(model)}])
    registry = RecognizerRegistry(supported_languages=["de"])
    for recognizer in (
        EmailRecognizer(supported_language="de", context=CONTEXT["EMAIL_ADDRESS"]),
        PhoneRecognizer(
            supported_language="de",
            context=CONTEXT["PHONE_NUMBER"],
            supported_regions=("DE", "AT", "CH", "GB", "US"),
        ),
        IbanRecognizer(supported_language="de", context=CONTEXT["IBAN_CODE"]),
        IpRecognizer(supported_language="de", context=CONTEXT["IP_ADDRESS"]),
        UrlRecognizer(supported_language="de", context=CONTEXT["URL"]),
        CreditCardRecognizer(supported_language="de"),
        DateRecognizer(supported_language="de", context=CONTEXT["DATE_TIME"]),
        DeKfzRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    analyzer = AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["de"])

    def find(text, email=""):
        results = analyzer.analyze(text=text, language="de", score_threshold=0.3)
        return [(r.start, r.end, r.entity_type) for r in results]

    def redact(text, email=""):
        spans = redaction._merged(find(text))
        return redaction._replaced(text, spans, redaction_quality.MARKER)

    return find, redact


def line(name, figures, timing):
    return (
        f"{name:<28} recall {figures.recall:6.1%}  precision {figures.precision:6.1%}  "
        f"clean unchanged {figures.clean_rate:6.1%} ({figures.clean_unchanged}/"
        f"{figures.clean_texts})  median {timing['median'] * 1000:.3f} ms  "
        f"p99 {timing['p99'] * 1000:.3f} ms  max {timing['max'] * 1000:.3f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presidio", action="store_true", help="also measure Presidio")
    parser.add_argument("--json", help="also write the figures to this file (make bench)")
    parser.add_argument("--pg", help="ignored: the redaction needs no database")
    args = parser.parse_args()
    figures_out = {}
    old = old_rules()
    candidates = [
        ("our rules", redaction.find_personal_data, redaction.redact),
        ("rules before issue 16", redaction_quality.finder_from_redactor(old), old),
    ]
    if args.presidio:
        find, redact = presidio_finder()
        candidates.append(("Presidio (patterns, no NER)", find, redact))
    for label, path in FILES.items():
        rows = redaction_quality.load_corpus(path)
        print(f"{label}: {len(rows)} texts")
        texts = [row["text"] for row in rows]
        for name, find, redact in candidates:
            figures = redaction_quality.evaluate(find, rows)
            timing = redaction_quality.timings(redact, texts)
            print("  " + line(name, figures, timing))
            if label == "corpus" and name in ("our rules", "rules before issue 16"):
                key = "rules" if name == "our rules" else "old"
                figures_out[key] = {
                    "recall": figures.recall,
                    "clean": figures.clean_rate,
                    "median_ms": timing["median"] * 1000,
                    "p99_ms": timing["p99"] * 1000,
                }
            if name.startswith("Presidio") and label == "corpus":
                for category in sorted(figures.words):
                    print(f"      {category:<10} recall {figures.category_recall(category):6.1%}")
    long = redaction_quality.long_texts(redaction_quality.load_corpus())
    for name, _, redact in candidates:
        timing = redaction_quality.timings(redact, long, rounds=3)
        print(f"2,000 characters, {name}: median {timing['median'] * 1000:.2f} ms")
        key = {"our rules": "rules", "rules before issue 16": "old"}.get(name)
        if key:
            figures_out[key]["long_median_ms"] = timing["median"] * 1000
    if args.json:
        rules, old = figures_out["rules"], figures_out["old"]
        figures_out["long_ratio"] = rules["long_median_ms"] / old["long_median_ms"]
        Path(args.json).write_text(json.dumps(figures_out))


if __name__ == "__main__":
    main()
