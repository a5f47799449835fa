"""Smaller holes of issue 10, item 9: an image with too many pixels is refused before it is decoded, and
a CSV export never hands a spreadsheet a formula."""

from __future__ import annotations

import csv
import io

import pytest
from PIL import Image

from linli.cases.photos import MAX_PIXELS, reencode
from linli.core.actions import ActionError
from linli.core.exports import csv_response


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")  # one bit a pixel: small in memory and on disk
    return out.getvalue()


def test_a_100_megapixel_png_is_refused_naming_the_file_and_its_size() -> None:
    with pytest.raises(ActionError) as refused:
        reencode(_png(10_000, 10_000), "huge.png")
    assert refused.value.field == "photos"
    assert "huge.png" in refused.value.message and "100" in refused.value.message


def test_a_photo_just_under_the_cap_is_still_taken() -> None:
    side = int(MAX_PIXELS**0.5) - 1
    jpeg, width, height = reencode(_png(side, side), "big.png")
    assert jpeg[:2] == b"\xff\xd8" and max(width, height) == 2048


def test_a_csv_export_neutralises_cells_that_would_be_formulas() -> None:
    rows = [['=HYPERLINK("http://evil","点我")', "+86 138", "-1+1", "@SUM(A1)", "张伟", 42]]
    response = csv_response("x.csv", ["姓名", "电话", "a", "b", "c", "n"], rows)
    cells = next(iter(csv.reader(io.StringIO(response.content.decode("utf-8-sig").splitlines()[1]))))
    assert cells[:4] == ['\'=HYPERLINK("http://evil","点我")', "'+86 138", "'-1+1", "'@SUM(A1)"]
    assert cells[4:] == ["张伟", "42"]
