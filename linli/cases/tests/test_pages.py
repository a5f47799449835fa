"""The case pages: report with a photo, inbox counts, the buttons a user gets, refusals that write nothing."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from linli.accounts.models import Department, User
from linli.cases import workflow as wf
from linli.cases.choices import CaseStatus
from linli.cases.models import Attachment, Case, Category, Step
from linli.cases.tests.conftest import rubbish
from linli.cases.views import deadline_clock
from linli.testing import TestCity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def jpeg(name: str = "rubbish.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def button_verbs(html: str) -> list[str]:
    return re.findall(r'<details class="verb" data-verb="([a-z_]+)"', html)


def test_the_grid_worker_reports_with_a_photo_and_lands_on_the_case(city: TestCity) -> None:
    worker = city.users["grid_worker"]
    client = client_for(worker)
    page = client.get(reverse("cases:report"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert "物料乱堆" in html and 'data-keywords="物料乱堆' in html

    house = city.houses[0]
    response = client.post(
        reverse("cases:report"),
        {
            "category": Category.objects.get(code="L0104").pk,
            "title": "楼道杂物堆放",
            "description": "1单元楼道堆满纸箱",
            "house": house.pk,
            "priority": "normal",
            "contact_phone": "13812345678",
            "photos": [jpeg()],
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", kwargs={"pk": case.pk})
    assert case.house == house and case.reporter_user == worker and case.status == CaseStatus.REPORTED
    photo = Attachment.objects.get(case=case)

    detail = client.get(response["Location"]).content.decode()
    assert reverse("cases:attachment", kwargs={"pk": case.pk, "attachment_id": photo.pk}) in detail
    assert "138****5678" in detail and "13812345678" not in detail
    assert "/media/" not in detail
    served = client.get(reverse("cases:attachment", kwargs={"pk": case.pk, "attachment_id": photo.pk}))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"  # type: ignore[attr-defined]
    # the outsider gets neither the case nor its photo
    outsider = client_for(city.users["outsider"])
    assert outsider.get(reverse("cases:detail", kwargs={"pk": case.pk})).status_code == 404
    assert (
        outsider.get(reverse("cases:attachment", kwargs={"pk": case.pk, "attachment_id": photo.pk})).status_code == 404
    )


def test_a_refused_report_shows_the_message_at_the_field_and_writes_nothing(city: TestCity) -> None:
    client = client_for(city.users["grid_worker"])
    response = client.post(
        reverse("cases:report"),
        {
            "category": Category.objects.get(code="L0104").pk,
            "title": "楼道杂物堆放",
            "lng": "120.0",
            "lat": "31.0",
            "address": "外地某处",
            "priority": "normal",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "不在本市任何网格内" in html
    assert not Case.objects.exists()
    not_an_image = SimpleUploadedFile("note.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        reverse("cases:report"),
        {
            "category": Category.objects.get(code="L0104").pk,
            "title": "楼道杂物堆放",
            "house": city.houses[0].pk,
            "priority": "normal",
            "photos": [not_an_image],
        },
    )
    assert response.status_code == 400 and "不是有效的图片文件" in response.content.decode()
    assert not Case.objects.exists()


def test_self_handled_on_the_spot_closes_in_the_same_request(city: TestCity) -> None:
    client = client_for(city.users["grid_worker"])
    data = {
        "category": Category.objects.get(code="L0103").pk,
        "title": "路边垃圾",
        "building": city.houses[0].building_id,
        "priority": "normal",
        "self_handled": "on",
        "self_note": "",
    }
    refused = client.post(reverse("cases:report"), data)
    assert refused.status_code == 400 and "处置情况" in refused.content.decode()
    assert not Case.objects.exists()  # the report rolled back with the refused self-handling
    data["self_note"] = "已当场清理"
    assert client.post(reverse("cases:report"), data).status_code == 302
    case = Case.objects.get()
    assert case.status == CaseStatus.CLOSED and case.self_handled


def test_inbox_counts_the_cases_held_by_my_level(city: TestCity) -> None:
    first = rubbish(city)
    rubbish(city, title="楼道纸箱堆放")
    wf.accept_case(city.users["community_worker"], first)
    client = client_for(city.users["community_worker"])
    html = client.get(reverse("cases:inbox")).content.decode()
    assert re.search(r'data-tab="reported"[^>]*>待受理 <span class="count">1</span>', html)
    assert re.search(r'data-tab="accepted"[^>]*>待立案 <span class="count">1</span>', html)
    assert re.search(r'data-tab="registered"[^>]*>待派遣 <span class="count">0</span>', html)
    assert "楼道纸箱堆放" in html  # the first non-empty tab (待受理) opens
    # the grid worker holds neither (the community accepts), but sees both under 辖区全部
    grid = client_for(city.users["grid_worker"])
    html = grid.get(reverse("cases:inbox")).content.decode()
    assert re.search(r'data-tab="reported"[^>]*>待受理 <span class="count">0</span>', html)
    everything = grid.get(reverse("cases:inbox") + "?tab=all&q=纸箱").content.decode()
    assert "楼道纸箱堆放" in everything and "楼道杂物堆放" not in everything
    # the outsider sees nothing of it anywhere
    outsider = client_for(city.users["outsider"]).get(reverse("cases:inbox") + "?tab=all").content.decode()
    assert first.number not in outsider


def test_the_department_inbox_and_the_summoned_tab(city: TestCity) -> None:
    case = rubbish(city)
    u = city.users
    wf.accept_case(u["community_worker"], case)
    wf.register_case(u["community_worker"], case)
    cg = Department.objects.get(code="cg")
    wf.whistle_case(u["community_worker"], case, departments=[cg], note="请城管协助清运")
    client = client_for(u["department_staff"])
    html = client.get(reverse("cases:inbox")).content.decode()
    assert re.search(r'data-tab="summoned"[^>]*>被吹哨 <span class="count">1</span>', html)
    assert case.number in html
    other = rubbish(city, title="另一处堆放")
    wf.accept_case(u["community_worker"], other)
    wf.register_case(u["community_worker"], other)
    wf.dispatch_case(u["community_worker"], other, to_department=cg)
    html = client.get(reverse("cases:inbox") + "?tab=handling").content.decode()
    assert re.search(r'data-tab="handling"[^>]*>处置中 <span class="count">1</span>', html) and other.number in html


@pytest.mark.parametrize("who", ["community_worker", "grid_worker", "subdistrict_staff", "auditor", "resident"])
def test_the_buttons_are_exactly_the_allowed_verbs(city: TestCity, who: str) -> None:
    case = rubbish(city)
    user = city.users[who]
    response = client_for(user).get(reverse("cases:detail", kwargs={"pk": case.pk}))
    if who == "resident":  # not the reporter: residents see only their own reports
        assert response.status_code == 404
        return
    assert button_verbs(response.content.decode()) == wf.allowed_verbs(user, case)


def test_buttons_follow_the_case_through_dispatch(city: TestCity) -> None:
    case = rubbish(city)
    worker = city.users["community_worker"]
    client = client_for(worker)
    url = reverse("cases:detail", kwargs={"pk": case.pk})
    for verb in ("accept", "register"):
        assert verb in button_verbs(client.get(url).content.decode())
        case.refresh_from_db()
        answer = client.post(
            reverse("cases:do", kwargs={"pk": case.pk, "verb": verb}), {"expected_version": case.version}
        )
        assert answer.status_code == 302
    case.refresh_from_db()
    html = client.get(url).content.decode()
    assert button_verbs(html) == wf.allowed_verbs(worker, case)
    community = city.region("510104001001")
    assert f'<option value="r:{case.region_id}" selected>' in html  # 物料乱堆 routes to the grid
    answer = client.post(
        reverse("cases:do", kwargs={"pk": case.pk, "verb": "dispatch"}),
        {"expected_version": case.version, "dispatch-target": f"r:{community.pk}"},
    )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDLING and case.holder_region == community
    clock = deadline_clock(case, timezone.now())
    assert clock is not None and clock.level in ("ok", "warn", "overdue")


def test_a_forbidden_post_answers_403_and_writes_nothing(city: TestCity) -> None:
    case = rubbish(city)
    steps = Step.objects.count()
    for who in ("grid_worker", "subdistrict_staff", "district_leader"):  # they see it, but do not hold it
        response = client_for(city.users[who]).post(
            reverse("cases:do", kwargs={"pk": case.pk, "verb": "accept"}), {"expected_version": case.version}
        )
        assert response.status_code == 403, who
    # 城管 was not summoned: the case is not theirs to see
    response = client_for(city.users["department_staff"]).post(
        reverse("cases:do", kwargs={"pk": case.pk, "verb": "accept"}), {"expected_version": case.version}
    )
    assert response.status_code == 404
    auditor = client_for(city.users["auditor"]).post(
        reverse("cases:do", kwargs={"pk": case.pk, "verb": "accept"}), {"expected_version": case.version}
    )
    assert auditor.status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED and Step.objects.count() == steps


def test_a_stale_version_answers_409_and_writes_nothing(city: TestCity) -> None:
    case = rubbish(city)
    stale = case.version
    wf.accept_case(city.users["community_worker"], case)  # someone else acted first
    steps = Step.objects.count()
    response = client_for(city.users["community_worker"]).post(
        reverse("cases:do", kwargs={"pk": case.pk, "verb": "reject"}),
        {"expected_version": stale, "reject-reason": "重复上报"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "该事件已被他人更新" in html and "重新加载" in html
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and Step.objects.count() == steps


def test_a_verb_the_status_no_longer_allows_answers_409(city: TestCity) -> None:
    case = rubbish(city)
    wf.accept_case(city.users["community_worker"], case)
    case.refresh_from_db()
    response = client_for(city.users["community_worker"]).post(
        reverse("cases:do", kwargs={"pk": case.pk, "verb": "accept"}), {"expected_version": case.version}
    )
    assert response.status_code == 409 and "不能“受理”" in response.content.decode()


def test_bad_input_answers_400_beside_the_field(city: TestCity) -> None:
    case = rubbish(city)
    response = client_for(city.users["community_worker"]).post(
        reverse("cases:do", kwargs={"pk": case.pk, "verb": "reject"}),
        {"expected_version": case.version, "reject-reason": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="verb" data-verb="reject" open>' in html and "不予受理的理由" in html


def test_the_outsider_gets_404_everywhere(city: TestCity) -> None:
    case = rubbish(city)
    client = client_for(city.users["outsider"])
    assert client.get(reverse("cases:detail", kwargs={"pk": case.pk})).status_code == 404
    response = client.post(
        reverse("cases:do", kwargs={"pk": case.pk, "verb": "accept"}), {"expected_version": case.version}
    )
    assert response.status_code == 404
    assert client.get(reverse("cases:map_json")).json()["features"] == []
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED


def test_the_map_json_lists_open_cases_in_the_box(city: TestCity) -> None:
    case = rubbish(city)
    client = client_for(city.users["subdistrict_staff"])
    data = client.get(reverse("cases:map_json") + "?bbox=104.0,30.6,104.1,30.7").json()
    assert [f["properties"]["number"] for f in data["features"]] == [case.number]
    assert data["features"][0]["properties"]["overdue"] is False
    elsewhere = client.get(reverse("cases:map_json") + "?bbox=103.9,30.6,103.95,30.7").json()
    assert elsewhere["features"] == []
    assert client.get(reverse("cases:map")).status_code == 200


def test_the_whistle_board_shows_late_check_ins(city: TestCity) -> None:
    case = rubbish(city)
    u = city.users
    wf.accept_case(u["community_worker"], case)
    wf.register_case(u["community_worker"], case)
    cg = Department.objects.get(code="cg")
    now = timezone.now()
    wf.whistle_case(u["community_worker"], case, departments=[cg], kind="emergency", note="紧急清运", at=now)
    wf.check_in(u["department_staff"], case, at=now + timedelta(minutes=45))  # 30 minutes allowed
    html = client_for(u["subdistrict_staff"]).get(reverse("cases:whistles")).content.decode()
    assert case.number in html and "迟到" in html and "城市管理局" in html
    detail = client_for(u["subdistrict_staff"]).get(reverse("cases:detail", kwargs={"pk": case.pk})).content.decode()
    assert "迟到" in detail


def test_the_clock_colours_by_the_share_of_the_stage_left(city: TestCity) -> None:
    case = rubbish(city)  # reported Monday 09:00, one working hour to accept
    assert case.deadline is not None
    early = deadline_clock(case, case.reported_at + timedelta(minutes=5))
    late = deadline_clock(case, case.reported_at + timedelta(minutes=45))
    over = deadline_clock(case, case.deadline + timedelta(minutes=5))
    assert early is not None and early.level == "ok" and "剩余" in early.label
    assert late is not None and late.level == "warn"
    assert over is not None and over.level == "overdue" and "已超期" in over.label


def _queries_for(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("tab", ["reported", "all"])
def test_the_inbox_does_not_query_per_row(city: TestCity, tab: str) -> None:
    rubbish(city)
    client = client_for(city.users["community_worker"])
    url = reverse("cases:inbox") + f"?tab={tab}"
    _queries_for(client, url)  # warm the working-calendar cache
    one = _queries_for(client, url)
    for n in range(5):
        rubbish(city, title=f"楼道杂物堆放{n}")
    assert _queries_for(client, url) == one


def test_the_case_page_does_not_query_per_step(city: TestCity) -> None:
    case = rubbish(city)
    client = client_for(city.users["community_worker"])
    url = reverse("cases:detail", kwargs={"pk": case.pk})
    _queries_for(client, url)
    before = _queries_for(client, url)
    wf.accept_case(city.users["community_worker"], case)
    wf.register_case(city.users["community_worker"], case)
    wf.escalate_case(city.users["community_worker"], case, note="需街道协调")
    case.refresh_from_db()
    after = _queries_for(client, url)
    assert after <= before + 2  # the buttons differ (none now: the subdistrict holds it), the steps do not cost


def _press(city: TestCity, who: str, case: Case, verb: str, **fields: Any) -> Case:
    """Post one button's form as ``who`` and expect the redirect back to the case."""
    case.refresh_from_db()
    data: dict[str, Any] = {"expected_version": case.version}
    data.update({f"{verb}-{name}": value for name, value in fields.items()})
    response = client_for(city.users[who]).post(reverse("cases:do", kwargs={"pk": case.pk, "verb": verb}), data)
    assert response.status_code == 302, (verb, response.status_code, response.content.decode()[:3000])
    case.refresh_from_db()
    return case


def test_every_button_reaches_its_action(city: TestCity) -> None:
    case = rubbish(city)
    grid = city.region("510104001001001")
    _press(city, "community_worker", case, "accept", note="已受理")
    _press(city, "community_worker", case, "register", priority="urgent")
    case = _press(city, "community_worker", case, "dispatch", target=f"r:{grid.pk}")
    assert case.holder_region == grid and case.priority == "urgent"
    _press(city, "grid_worker", case, "progress", note="已联系物业", photos=[jpeg()])
    assert Attachment.objects.filter(case=case, step__verb="progress").count() == 1
    _press(city, "grid_worker", case, "request_extension", hours="7", reason="等待物业清运车辆")
    due = case.due_at
    case = _press(city, "community_worker", case, "decide_extension", approve="1", note="同意")
    assert case.extension_count == 1 and case.due_at is not None and due is not None and case.due_at > due
    case = _press(city, "subdistrict_staff", case, "supervise", note="请尽快办结")
    assert case.supervised
    _press(city, "grid_worker", case, "report_back", note="已清理")
    case = _press(city, "community_worker", case, "rework", note="仍有纸箱")
    assert case.rework_count == 1 and case.status == CaseStatus.HANDLING
    _press(city, "grid_worker", case, "report_back", note="已全部清理")
    _press(city, "community_worker", case, "verify")
    case = _press(city, "community_worker", case, "close")
    assert case.status == CaseStatus.CLOSED
    case = _press(city, "grid_worker", case, "rate", rating="satisfied", comment="很快")
    assert case.rating == "satisfied"
    case = _press(city, "community_worker", case, "reopen", reason="居民反映又有堆放")
    assert case.status == CaseStatus.REGISTERED

    duplicate = rubbish(city, title="同一处杂物")
    case = _press(city, "community_worker", duplicate, "merge", into=case.number)
    assert case.status == CaseStatus.MERGED
    wrong = rubbish(city, title="另一处杂物")
    _press(city, "community_worker", wrong, "reject", reason="非本辖区事项")
    mine = rubbish(city, title="自己处理的杂物")
    assert _press(city, "grid_worker", mine, "self_handle", note="已当场清理").self_handled


def test_return_and_the_department_buttons(city: TestCity) -> None:
    case = rubbish(city)
    cg = Department.objects.get(code="cg")
    _press(city, "community_worker", case, "accept")
    _press(city, "community_worker", case, "register")
    case = _press(city, "community_worker", case, "dispatch", target=f"d:{cg.pk}")
    assert case.holder_department == cg
    case = _press(city, "department_staff", case, "return", reason="不属于城管职责")
    assert case.status == CaseStatus.REGISTERED and case.holder_department is None
    _press(city, "community_worker", case, "whistle", departments=[cg.pk], kind="hard", note="请城管到场")
    _press(city, "department_staff", case, "check_in")
    case = _press(city, "department_staff", case, "report_part", report="已到场处置")
    assert case.summonses.get().reported_at is not None
