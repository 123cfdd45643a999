"""Compile the site's Bootstrap subset (assets/site.scss) to static/build/bootstrap.css.

Usage: .venv/bin/python bin/build_css.py [--full] [--out PATH]

make run, make serve and make test run it when a Sass source changed; the output is not
committed (.gitignore). --full compiles the whole vendored Bootstrap instead: the reference
the tests and make bench compare the subset with.
"""

import argparse
import sys
from pathlib import Path

import sass

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
SUBSET = ASSETS / "site.scss"
FULL = ASSETS / "vendor" / "bootstrap" / "scss" / "bootstrap.scss"
OUT = ROOT / "static" / "build" / "bootstrap.css"


def compile_css(full: bool = False) -> str:
    """The compressed CSS of the subset (or, with full, of the whole Bootstrap)."""
    return sass.compile(filename=str(FULL if full else SUBSET), output_style="compressed")


def build(out: Path = OUT, full: bool = False) -> Path:
    css = compile_css(full)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written whole then renamed: a server reading it meanwhile never sees half a file.
    part = out.with_suffix(".part")
    part.write_text(css, encoding="utf-8")
    part.replace(out)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the whole Bootstrap")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    out = build(args.out, args.full)
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(f"{shown}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
