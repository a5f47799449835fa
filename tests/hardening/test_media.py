"""Issue 10, item 2 and a hole of item 9: uploads leave only through the access-checked view.

/media/ served every case photo by its guessable path to any signed-in user (DEBUG on) while the
attachment view answered 404; a refused upload left its first photos on disk, in the folder of the
next case that reused the id.
"""

from __future__ import annotations

import importlib
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import Resolver404, clear_url_caches, resolve, reverse
from PIL import Image

import linli.urls
from linli.cases.models import Attachment, Case
from linli.cases.photos import finish_pending_uploads
from linli.cases.tests.conftest import rubbish
from linli.core.actions import ActionError
from linli.testing import TestCity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def _jpeg(name: str = "楼道.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _signed_in(city: TestCity, role: str) -> Client:
    client = Client()
    client.force_login(city.users[role])
    return client


def test_no_url_serves_the_media_folder_even_in_debug() -> None:
    try:
        with override_settings(DEBUG=True):
            importlib.reload(linli.urls)
            clear_url_caches()
            with pytest.raises(Resolver404):
                resolve("/media/cases/2026/03/1/C-1-0-1.jpg")
    finally:
        importlib.reload(linli.urls)
        clear_url_caches()


def test_photo_names_are_unguessable_and_tell_nothing_of_the_case(city: TestCity, media_root: Path) -> None:
    with transaction.atomic():
        case = rubbish(city, photos=[_jpeg(), _jpeg()])
    names = [a.stored_name for a in case.attachments.all()]
    assert len(set(names)) == 2
    for name in names:
        assert re.fullmatch(r"cases/\d{4}/\d{2}/[A-Za-z0-9_-]{22}\.jpg", name), name
        assert f"/{case.pk}/" not in name and case.number not in name  # the old cases/<month>/<id>/<number>-…


def test_a_refused_upload_leaves_no_file_behind(city: TestCity, media_root: Path) -> None:
    bad = SimpleUploadedFile("第三张.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ActionError):
        rubbish(city, photos=[_jpeg(), _jpeg(), bad])
    assert not Case.objects.exists()
    assert _files(media_root) == []


def test_photos_of_a_rolled_back_action_are_swept_and_a_committed_one_is_published(
    city: TestCity, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    class Later(Exception):
        pass

    with pytest.raises(Later), transaction.atomic():  # the action wrote its photo, then something failed
        rubbish(city, photos=[_jpeg()])
        raise Later
    assert not Attachment.objects.exists()
    # a committed report whose move after the commit never ran (the process died in between)
    with django_capture_on_commit_callbacks(execute=False):
        case = rubbish(city, photos=[_jpeg()])
    photo = case.attachments.get()
    assert not (media_root / photo.stored_name).exists()

    swept = finish_pending_uploads(grace=timedelta(0))
    assert (swept.published, swept.deleted) == (1, 1)
    assert _files(media_root) == [media_root / photo.stored_name]

    served = _signed_in(city, "grid_worker").get(
        reverse("cases:attachment", kwargs={"pk": case.pk, "attachment_id": photo.pk})
    )
    assert served.status_code == 200 and b"".join(served.streaming_content)[:2] == b"\xff\xd8"  # type: ignore[attr-defined]


def test_the_first_read_publishes_a_committed_photo_still_pending(city: TestCity, media_root: Path) -> None:
    case = rubbish(city, photos=[_jpeg()])  # on_commit never runs inside the test's transaction
    photo = case.attachments.get()
    url = reverse("cases:attachment", kwargs={"pk": case.pk, "attachment_id": photo.pk})
    assert _signed_in(city, "outsider").get(url).status_code == 404
    assert _signed_in(city, "grid_worker").get(url).status_code == 200
    assert (media_root / photo.stored_name).exists()


@pytest.mark.parametrize(
    ("server", "header", "expected"),
    [("nginx", "X-Accel-Redirect", "/protected-media/{name}"), ("sendfile", "X-Sendfile", "{root}/{name}")],
)
def test_in_production_the_web_server_sends_the_bytes_after_the_check(
    city: TestCity, media_root: Path, settings: Any, server: str, header: str, expected: str
) -> None:
    settings.LINLI_MEDIA_SERVER = server
    case = rubbish(city, photos=[_jpeg()])
    photo = case.attachments.get()
    url = reverse("cases:attachment", kwargs={"pk": case.pk, "attachment_id": photo.pk})
    assert header not in _signed_in(city, "outsider").get(url)
    answer = _signed_in(city, "grid_worker").get(url)
    assert answer.status_code == 200 and answer.content == b""
    assert answer[header] == expected.format(name=photo.stored_name, root=media_root.resolve())
    assert answer["Content-Type"] == "image/jpeg"
