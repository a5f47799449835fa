"""The state machine through its actions: the whole loop, who may do what, refusals that write nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from linli.accounts.models import Department
from linli.cases import workflow as wf
from linli.cases.choices import CaseStatus, Rating
from linli.cases.models import Case, Category, Step
from linli.cases.tests.conftest import MONDAY, rubbish
from linli.core.actions import ActionError
from linli.core.models import AuditEvent
from linli.testing import TestCity

pytestmark = pytest.mark.django_db


def test_the_story_of_issue_four(city: TestCity) -> None:
    """Grid reports; community accepts and dispatches to itself; escalates; subdistrict whistles 城管;
    城管 checks in and reports; the community verifies; the case closes and is rated."""
    u = city.users
    case = rubbish(city)
    community = city.region("510104001001")
    assert case.status == CaseStatus.REPORTED and case.holder_region == community
    assert case.number.startswith("20260302") and case.deadline is not None

    t = MONDAY + timedelta(minutes=10)
    case = wf.accept_case(u["community_worker"], case, at=t)
    case = wf.register_case(u["community_worker"], case, at=t)
    case = wf.dispatch_case(u["community_worker"], case, to_region=community, at=t)
    assert case.status == CaseStatus.HANDLING and case.due_at is not None and case.dispatcher_region == community
    case = wf.escalate_case(u["community_worker"], case, note="涉及多户，需街道协调", at=t + timedelta(hours=1))
    assert case.holder_region == city.region("510104001") and case.status == CaseStatus.HANDLING
    cg = Department.objects.get(code="cg")
    whistle = wf.whistle_case(
        u["subdistrict_staff"], case, departments=[cg], kind="routine", note="请城管清运", at=t + timedelta(hours=2)
    )
    summons = whistle.summonses.get()
    # 城管 now sees the case (summoned), and it cannot be reported back before 城管 reports
    assert Case.objects.visible_to(u["department_staff"]).filter(pk=case.pk).exists()
    with pytest.raises(ActionError) as refused:
        wf.report_back(u["subdistrict_staff"], case, note="已处理", at=t + timedelta(hours=3))
    assert "城管" in refused.value.message
    wf.check_in(u["department_staff"], case, at=t + timedelta(hours=2, minutes=20))
    wf.report_part(u["department_staff"], case, report="已清运杂物 2 车", at=t + timedelta(hours=4))
    summons.refresh_from_db()
    assert summons.late is False and summons.reported_at is not None
    case = wf.report_back(u["subdistrict_staff"], case, note="杂物已清运完毕", at=t + timedelta(hours=5))
    assert case.status == CaseStatus.HANDLED and case.holder_region == community  # the dispatcher verifies
    case = wf.verify_case(u["community_worker"], case, passed=True, note="现场核查已清理", at=t + timedelta(hours=6))
    case = wf.close_case(u["community_worker"], case, at=t + timedelta(hours=6))
    assert case.status == CaseStatus.CLOSED and case.closed_on_time is True
    case = wf.rate_case(u["grid_worker"], case, rating=Rating.SATISFIED, at=t + timedelta(days=1))
    verbs = list(Step.objects.filter(case=case).values_list("verb", flat=True))
    assert verbs == [
        "report", "accept", "register", "dispatch", "escalate", "whistle", "check_in", "report_part",
        "report_back", "verify", "close", "rate",
    ]  # fmt: skip
    assert AuditEvent.objects.filter(verb__startswith="case_", object_id=str(case.pk)).count() == len(verbs)


def test_stale_version_loses_and_writes_nothing(city: TestCity, reported: Case) -> None:
    worker = city.users["community_worker"]
    version = reported.version
    wf.accept_case(worker, reported, expected_version=version)
    steps = Step.objects.count()
    with pytest.raises(ActionError) as refused:
        wf.reject_case(worker, reported, reason="重复上报", expected_version=version)
    assert refused.value.code == "conflict" and "已被他人更新" in refused.value.message
    assert Step.objects.count() == steps
    assert Case.objects.get(pk=reported.pk).status == CaseStatus.ACCEPTED


def test_transition_from_wrong_status_is_refused(city: TestCity, reported: Case) -> None:
    with pytest.raises(ActionError) as refused:
        wf.close_case(city.users["community_worker"], reported)
    assert refused.value.code == "state" and "待受理" in refused.value.message


def test_only_the_holder_acts(city: TestCity, reported: Case) -> None:
    # the grid worker reported it but the community holds it; the subdistrict is above, not the holder
    for user in ("grid_worker", "subdistrict_staff", "district_leader", "department_staff"):
        with pytest.raises((PermissionDenied, Http404)):
            wf.accept_case(city.users[user], reported)
    with pytest.raises(Http404):
        wf.accept_case(city.users["outsider"], reported)
    assert Case.objects.get(pk=reported.pk).status == CaseStatus.REPORTED


def test_self_handle_by_the_reporting_grid_worker(city: TestCity, reported: Case) -> None:
    case = wf.self_handle_case(city.users["grid_worker"], reported, note="已现场劝导清理", at=MONDAY)
    assert case.status == CaseStatus.CLOSED and case.self_handled and case.closed_on_time


def test_rework_goes_back_to_the_handler_and_keeps_the_clock(city: TestCity, reported: Case) -> None:
    u = city.users
    grid = city.region("510104001001001")
    wf.accept_case(u["community_worker"], reported)
    wf.register_case(u["community_worker"], reported)
    case = wf.dispatch_case(u["community_worker"], reported, to_region=grid)
    due = case.due_at
    case = wf.report_back(u["grid_worker"], case, note="已清理")
    case = wf.verify_case(u["community_worker"], case, passed=False, note="仍有纸箱未清")
    assert case.status == CaseStatus.HANDLING and case.holder_region == grid and case.rework_count == 1
    assert case.due_at == due and case.deadline == due


def test_dispatch_outside_the_dispatchers_subtree_is_refused(city: TestCity, reported: Case) -> None:
    u = city.users
    wf.accept_case(u["community_worker"], reported)
    wf.register_case(u["community_worker"], reported)
    with pytest.raises(ActionError) as refused:
        wf.dispatch_case(u["community_worker"], reported, to_region=city.region("510104001002001"))
    assert refused.value.field == "to_region"
    assert Case.objects.get(pk=reported.pk).status == CaseStatus.REGISTERED


def test_default_dispatch_routes_by_category(city: TestCity) -> None:
    u = city.users
    case = rubbish(city, category=Category.objects.get(code="L0101"))  # 油烟乱排 → 城管
    wf.accept_case(u["community_worker"], case)
    wf.register_case(u["community_worker"], case)
    case = wf.dispatch_case(u["community_worker"], case)
    assert case.holder_department == Department.objects.get(code="cg")
    assert case.holder_region == city.region("510104")
    assert wf.allowed_verbs(u["department_staff"], case) == ["progress", "report_back", "return", "request_extension"]
    case = wf.return_case(u["department_staff"], case, reason="不属于本部门职责")
    assert case.status == CaseStatus.REGISTERED and case.holder_region == city.region("510104001001")


def test_point_outside_the_city_is_refused(city: TestCity) -> None:
    with pytest.raises(ActionError) as refused:
        rubbish(city, house=None, lng=120.0, lat=31.0, address="某地")
    assert refused.value.field == "lng" and "不在本市任何网格内" in refused.value.message
    assert not Case.objects.exists()


def test_whistle_check_in_late_is_counted(city: TestCity, reported: Case) -> None:
    u = city.users
    sub = city.region("510104001")
    wf.escalate_case(u["community_worker"], reported, note="需要街道协调", at=MONDAY)
    wf.accept_case(u["subdistrict_staff"], reported, at=MONDAY)
    wf.register_case(u["subdistrict_staff"], reported, at=MONDAY)
    wf.dispatch_case(u["subdistrict_staff"], reported, to_region=sub, at=MONDAY)
    wf.whistle_case(
        u["subdistrict_staff"], reported, departments=[Department.objects.get(code="cg")], kind="emergency",
        note="燃气味道", at=MONDAY,
    )  # fmt: skip
    summons = wf.check_in(u["department_staff"], reported, at=MONDAY + timedelta(minutes=45))
    assert summons.late is True


def _jpeg_with_exif() -> bytes:
    import io

    from PIL import Image

    image = Image.new("RGB", (4000, 3000), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x010E] = "lat 30.66 lng 104.06"  # ImageDescription: stands for what a phone puts in GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_reencoded_without_exif_and_resized(city: TestCity, django_capture_on_commit_callbacks: Any) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    # the photo reaches its place when the report commits (linli/cases/photos.py)
    with django_capture_on_commit_callbacks(execute=True):
        case = rubbish(city, photos=[SimpleUploadedFile("楼道.jpg", _jpeg_with_exif(), content_type="image/jpeg")])
    attachment = case.attachments.get()
    with attachment.file.open("rb") as stored, Image.open(io.BytesIO(stored.read())) as image:
        assert image.format == "JPEG" and max(image.size) == 2048
        assert not image.getexif()  # no Make, no GPS
    assert (attachment.width, attachment.height) == (2048, 1536)


def test_non_image_and_oversized_photos_are_refused_with_nothing_written(city: TestCity) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from linli.cases.photos import MAX_BYTES

    fake = SimpleUploadedFile("报告.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    with pytest.raises(ActionError) as refused:
        rubbish(city, photos=[fake])
    assert refused.value.field == "photos" and "报告.jpg" in refused.value.message
    huge = SimpleUploadedFile("大图.jpg", b"\xff" * (MAX_BYTES + 1), content_type="image/jpeg")
    with pytest.raises(ActionError) as refused:
        rubbish(city, photos=[huge])
    assert "大图.jpg" in refused.value.message and "10 MB" in refused.value.message
    assert not Case.objects.exists() and not Step.objects.exists()
