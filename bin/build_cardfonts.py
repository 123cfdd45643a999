"""Rebuild reports/cardfonts/: DejaVu Sans and DejaVu Sans Bold, subset to Latin, with their
licence, for the share cards (reports/cards.py). Pillow's built-in font has no umlauts.

Needs npm (to fetch the npm package dejavu-fonts-ttf) and fontTools (`pip install fonttools`,
in any environment: it is not a dependency of the site). Run from the project's root:

    python bin/build_cardfonts.py
"""

import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from fontTools import subset

PACKAGE = "dejavu-fonts-ttf@2.37.3"
FONTS = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]
# Latin (German, and the other languages of place names near the borders), typographic
# punctuation, the narrow spaces of number formats, the euro and the minus sign.
UNICODES = [
    "U+0020-007E",
    "U+00A0-017F",
    "U+2009-200A",
    "U+2010-2027",
    "U+202F",
    "U+2030-203A",
    "U+20AC",
    "U+2212",
]
OUT = Path(__file__).resolve().parent.parent / "reports" / "cardfonts"


def fetch(workdir: Path) -> tarfile.TarFile:
    subprocess.run(  # noqa: S603
        ["npm", "pack", PACKAGE, "--silent", "--pack-destination", str(workdir)],  # noqa: S607
        check=True,
        stdout=subprocess.DEVNULL,
    )
    archive = next(workdir.glob("dejavu-fonts-ttf-*.tgz"))
    return tarfile.open(archive)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, fetch(Path(tmp)) as archive:
        licence = archive.extractfile("package/LICENSE").read()
        (OUT / "LICENSE").write_bytes(licence)
        for name in FONTS:
            source = io.BytesIO(archive.extractfile(f"package/ttf/{name}").read())
            options = subset.Options()
            options.layout_features = ["kern", "liga"]
            options.hinting = False  # drawn large, antialiased: hints only add bytes
            options.name_IDs = ["*"]  # keep the copyright and licence names
            font = subset.load_font(source, options)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=subset.parse_unicodes(",".join(UNICODES)))
            subsetter.subset(font)
            subset.save_font(font, OUT / name, options)
            print(f"{name}: {(OUT / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
