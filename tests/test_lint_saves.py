"""scripts/lint_saves.py: a bare save() of an existing row is refused; inserts and named columns pass."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "lint_saves.py"
spec = importlib.util.spec_from_file_location("lint_saves", SCRIPT)
assert spec is not None and spec.loader is not None
lint_saves = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lint_saves)


def _check(tmp_path: Path, source: str) -> list[str]:
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    result: list[str] = lint_saves.offences(path)
    return result


def test_a_bare_save_of_a_fetched_row_is_an_offence(tmp_path: Path) -> None:
    found = _check(tmp_path, "def close(case):\n    case.status = 'closed'\n    case.save()\n")
    assert len(found) == 1 and found[0].endswith(":3: save() of an existing row without update_fields")


def test_inserts_named_columns_and_files_pass(tmp_path: Path) -> None:
    source = (
        "def make(case, image, out):\n"
        "    row = Step(case=case)\n"
        "    row.save()\n"
        "    case.save(update_fields=['status'])\n"
        "    image.save(out, format='JPEG')\n"
        "    case.save(force_insert=True)\n"
    )
    assert _check(tmp_path, source) == []


def test_the_code_base_has_no_offence() -> None:
    assert lint_saves.main([]) == 0
