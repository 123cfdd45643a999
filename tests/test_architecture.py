"""The shape of the code that issue 17 set out: no function above radon's rank C, no module
much above 450 lines (models and data tables aside). The import rules are checked by
`make imports` (pyproject.toml, [tool.importlinter])."""

from pathlib import Path

from radon.complexity import cc_rank, cc_visit
from radon.visitors import Function

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("complaints", "reports", "einzelfall", "bench")
MOST_COMPLEX = 20  # the end of radon's rank C
MOST_LINES = 450
# Read by name rather than top to bottom: they may be longer.
LONG_ALLOWED = {"complaints/models.py"}


def sources() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def functions(path: Path) -> list[Function]:
    """Every function and method of a module, as `radon cc` measures them (a closure counts
    in the function around it)."""
    return [b for b in cc_visit(path.read_text(encoding="utf-8")) if isinstance(b, Function)]


def test_no_function_above_rank_c():
    over = [
        f"{path.relative_to(ROOT)}:{block.lineno} {block.fullname} "
        f"{cc_rank(block.complexity)} ({block.complexity})"
        for path in sources()
        for block in functions(path)
        if block.complexity > MOST_COMPLEX
    ]
    assert not over, "split these into smaller functions:\n" + "\n".join(over)


def test_no_module_much_above_450_lines():
    over = []
    for path in sources():
        name = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MOST_LINES and name not in LONG_ALLOWED:
            over.append(f"{name}: {lines} lines")
    assert not over, "split these by concern:\n" + "\n".join(over)
