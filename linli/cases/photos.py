"""Case photos: size and type limits, re-encoded to JPEG so no metadata (EXIF, GPS) survives.

A phone photo is often 4-12 MB with the worker's location in its EXIF; what is stored is the image
only, at most ``MAX_SIDE`` pixels on its long side. Anything Pillow cannot decode as an image is
refused with the file's name, and nothing of the case is written (the caller's transaction).
"""

from __future__ import annotations

import functools
import io
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from linli.cases.models import Attachment, Case, Step, attachment_path
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
    encoded: list[tuple[bytes, int, int]] = []
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
        encoded.append(reencode(data, name))
    # Every photo is checked before any is written: a bad third photo leaves nothing of the first two.
    saved = []
    for jpeg, width, height in encoded:
        attachment = Attachment(case=case, step=step, width=width, height=height, size=len(jpeg), uploaded_by=actor)
        name = attachment.file.name = attachment_path(attachment, "")
        _write_pending(name, jpeg)
        attachment.save()
        transaction.on_commit(functools.partial(publish, name))
        saved.append(attachment)
    return saved


# --- files on disk: written as pending, published when the case commits ---------------------------------
#
# A photo's bytes are written under MEDIA_ROOT/pending/ inside the action's transaction and moved to
# their place (os.replace, atomic on one file system) once it commits. A rolled-back action leaves only
# a pending file, which ``finish_pending_uploads`` (run by the deadline sweeper every minute) deletes
# after PENDING_GRACE; a crash between the commit and the move leaves a pending file whose row exists,
# which the sweeper — or the first read of the photo — publishes. Nothing is served from pending/.

PENDING_GRACE = timedelta(hours=1)


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _pending(name: str) -> Path:
    return _media_root() / "pending" / name


def _write_pending(name: str, data: bytes) -> None:
    path = _pending(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def publish(name: str) -> bool:
    """Move a committed photo from pending/ to its place; False when there was nothing to move."""
    source, target = _pending(name), _media_root() / name
    if not source.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    return True


@dataclass(frozen=True)
class PendingSweep:
    published: int
    deleted: int


def finish_pending_uploads(grace: timedelta = PENDING_GRACE) -> PendingSweep:
    """Publish pending photos whose row committed; delete those of rolled-back actions after ``grace``."""
    root = _media_root() / "pending"
    if not root.exists():
        return PendingSweep(0, 0)
    published = deleted = 0
    cutoff = time.time() - grace.total_seconds()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        if Attachment.objects.filter(file=name).exists():
            published += publish(name)
        elif path.stat().st_mtime <= cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return PendingSweep(published, deleted)
