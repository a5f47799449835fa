"""Case photos: size and type limits, re-encoded to JPEG so no metadata (EXIF, GPS) survives.

A phone photo is often 4-12 MB with the worker's location in its EXIF; what is stored is the image
only, at most ``MAX_SIDE`` pixels on its long side. Anything Pillow cannot decode as an image is
refused with the file's name, and nothing of the case is written (the caller's transaction).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from linli.cases.models import Attachment, Case, Step
from linli.core.actions import ActionError

MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9
MAX_SIDE = 2048
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP"})
# A phone's photo is 12-50 megapixels; more is refused before anything is decoded. (Pillow's own bomb
# check only raises at twice MAX_IMAGE_PIXELS and merely warns between: a 100 MP PNG was decoded.)
MAX_PIXELS = 60_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def reencode(data: bytes, name: str) -> tuple[bytes, int, int]:
    """The image as a fresh JPEG without metadata, or ActionError naming the file."""
    try:
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice that; the cap below refuses those itself.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            width, height = probe.size  # read from the header, nothing decoded yet
            if width * height > MAX_PIXELS:
                raise ActionError(
                    _("“%(name)s”有 %(mp)d 百万像素，超过 %(max)d 百万像素，请缩小后再上传。")
                    % {"name": name, "mp": width * height // 1_000_000, "max": MAX_PIXELS // 1_000_000},
                    field="photos",
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ALLOWED_FORMATS:
                raise ActionError(
                    _("“%(name)s”不是支持的图片格式（JPEG、PNG、WebP、GIF、BMP）。") % {"name": name}, field="photos"
                )
            # keep the orientation the phone meant, then drop EXIF by drawing a fresh RGB image
            upright = (ImageOps.exif_transpose(image) or image).convert("RGB")
            upright.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            upright.save(out, format="JPEG", quality=85, optimize=True)
            return out.getvalue(), upright.width, upright.height
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ActionError(_("“%(name)s”不是有效的图片文件。") % {"name": name}, field="photos") from exc


def save_photos(actor: Any, case: Case, step: Step | None, photos: Sequence[Any]) -> list[Attachment]:
    """Store uploaded photos (Django UploadedFile or any object with ``name`` and ``read()``)."""
    if len(photos) > MAX_PHOTOS:
        raise ActionError(_("每次最多上传 %(max)d 张照片。") % {"max": MAX_PHOTOS}, field="photos")
    saved = []
    for index, upload in enumerate(photos, start=1):
        name = str(getattr(upload, "name", "") or _("第 %(n)d 张照片") % {"n": index})[:100]
        size = getattr(upload, "size", None)
        if size is not None and size > MAX_BYTES:
            raise ActionError(
                _("“%(name)s”超过 %(max)d MB，请压缩后再上传。") % {"name": name, "max": MAX_BYTES // 1024 // 1024},
                field="photos",
            )
        data = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise ActionError(
                _("“%(name)s”超过 %(max)d MB，请压缩后再上传。") % {"name": name, "max": MAX_BYTES // 1024 // 1024},
                field="photos",
            )
        jpeg, width, height = reencode(data, name)
        attachment = Attachment(case=case, step=step, width=width, height=height, size=len(jpeg), uploaded_by=actor)
        attachment.file.save(f"{case.number}-{(step.pk if step else 0)}-{index}.jpg", ContentFile(jpeg), save=False)
        attachment.save()
        saved.append(attachment)
    return saved
