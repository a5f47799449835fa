"""Masking, unmasking with a reason (audited, scoped, per role) and redaction of logs."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template import Context, Template

from linli.accounts.roles import UNMASK_RULES, Role
from linli.core import crypto
from linli.core.actions import ActionError
from linli.core.audit import canonical_content
from linli.core.masking import (
    RedactSensitive,
    mask_id,
    mask_phone,
    masked_value,
    may_unmask,
    redact,
    unmask,
)
from linli.core.models import AuditEvent
from linli.people.models import Person
from linli.testing import TestCity

ID = "11010519491231002X"
PHONE = "13812345678"
OUR_GRID = "510104001001001"  # the grid worker's grid, in 红星路社区 (the community worker's)
OTHER_GRID_SAME_COMMUNITY = "510104001001002"
OTHER_COMMUNITY_GRID = "510104001002001"  # 东大街社区: the subdistrict's, not the community worker's
OTHER_DISTRICT_GRID = "510105001001001"  # 青羊区: the outsider's


def make_person(city: TestCity, grid_code: str = OUR_GRID, *, id_number: str = ID, phone: str = PHONE) -> Person:
    grid = city.region(grid_code)
    return Person.objects.create(
        region=grid,
        region_path=grid.path,
        name="张三",
        id_number_encrypted=crypto.encrypt(id_number),
        id_digest=crypto.digest(id_number),
        id_masked=mask_id(id_number),
        phone=phone,
    )


# --- masking functions ------------------------------------------------------------------------------


def test_mask_id_keeps_area_and_last_four() -> None:
    assert mask_id(ID) == "110105********002X"
    assert mask_id("110105491231002") == "110105******002"
    assert mask_id("E12345678") == "E1*****78"
    assert mask_id("") == ""
    assert mask_id("123") == "***"


def test_mask_phone_keeps_three_and_four() -> None:
    assert mask_phone(PHONE) == "138****5678"
    assert mask_phone("138 1234-5678") == "138****5678"
    assert mask_phone("028-86123456") == "028****3456"
    assert mask_phone("12345") == "*****"
    assert mask_phone("") == ""


def test_masked_value_masks_declared_fields_only(city: TestCity) -> None:
    person = make_person(city)
    assert masked_value(person, "id_number") == "110105********002X"
    assert masked_value(person, "phone") == "138****5678"
    assert masked_value(person, "name") == "张三"  # not sensitive
    assert masked_value(None, "phone") == ""


def test_template_filter_shows_masked_values_only(city: TestCity) -> None:
    person = make_person(city)
    html = Template('{% load masking %}<p>{{ p|masked:"id_number" }} {{ p|masked:"phone" }}</p>').render(
        Context({"p": person})
    )
    assert html == "<p>110105********002X 138****5678</p>"
    assert ID not in html and PHONE not in html


def test_template_tag_says_whether_unmask_is_offered(city: TestCity) -> None:
    person = make_person(city)
    template = Template('{% load masking %}{% may_unmask user p "id_number" as can %}{{ can }}')
    assert template.render(Context({"p": person, "user": city.users["community_worker"]})) == "True"
    assert template.render(Context({"p": person, "user": city.users["grid_worker"]})) == "False"


# --- who may unmask ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "id_allowed", "phone_allowed"),
    [
        ("resident", False, False),
        ("grid_worker", False, True),
        ("community_worker", True, True),
        ("subdistrict_staff", True, True),
        ("district_leader", False, False),
        ("department_staff", False, False),
        ("auditor", False, False),
        ("administrator", True, True),
        ("outsider", False, False),
    ],
)
def test_may_unmask_follows_the_rules_table(
    city: TestCity, username: str, id_allowed: bool, phone_allowed: bool
) -> None:
    person = make_person(city)
    user = city.users[username]
    assert may_unmask(user, person, "id_number") is id_allowed
    assert may_unmask(user, person, "phone") is phone_allowed
    assert may_unmask(user, person, "name") is False  # not sensitive: nothing to unmask


def test_the_rules_table_names_every_role() -> None:
    assert set(UNMASK_RULES) == {role.value for role in Role}


def test_may_unmask_needs_the_object_in_scope(city: TestCity) -> None:
    elsewhere = make_person(city, OTHER_COMMUNITY_GRID)
    assert not may_unmask(city.users["community_worker"], elsewhere, "id_number")
    assert may_unmask(city.users["subdistrict_staff"], elsewhere, "id_number")
    assert not may_unmask(city.users["grid_worker"], make_person(city, OTHER_GRID_SAME_COMMUNITY), "phone")


# --- unmask: the action -----------------------------------------------------------------------------


def test_unmask_returns_the_clear_value_and_records_reason_but_not_the_value(city: TestCity) -> None:
    person = make_person(city)
    before = AuditEvent.objects.count()
    clear = unmask(city.users["community_worker"], person, "id_number", reason="核对低保申请材料")
    assert clear == ID
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert event.verb == "unmask"
    assert event.reason == "核对低保申请材料"
    assert event.changes == {"field": "id_number"}
    assert event.object_type == "people.person" and event.object_id == str(person.pk)
    assert event.region_path == person.region_path
    assert event.actor_id == city.users["community_worker"].pk
    stored = canonical_content(event) + json.dumps(event.changes)
    assert ID not in stored and ID[6:14] not in stored


def test_unmask_phone(city: TestCity) -> None:
    person = make_person(city)
    assert unmask(city.users["grid_worker"], person, "phone", reason="电话回访核实") == PHONE
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.changes == {"field": "phone"}
    assert PHONE not in canonical_content(event)


@pytest.mark.parametrize("reason", ["", "   ", "看看", " 核对 "])
def test_unmask_without_a_real_reason_is_refused_and_nothing_recorded(city: TestCity, reason: str) -> None:
    person = make_person(city)
    before = AuditEvent.objects.count()
    with pytest.raises(ActionError) as err:
        unmask(city.users["community_worker"], person, "id_number", reason=reason)
    assert err.value.field == "reason"
    assert "理由" in err.value.message
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("username", "field"), [("grid_worker", "id_number"), ("district_leader", "phone"), ("auditor", "id_number")]
)
def test_unmask_by_a_role_not_allowed_is_refused(city: TestCity, username: str, field: str) -> None:
    person = make_person(city)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        unmask(city.users[username], person, field, reason="核对身份信息")
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("username", "grid"),
    [
        ("outsider", OUR_GRID),
        ("community_worker", OTHER_COMMUNITY_GRID),
        ("grid_worker", OTHER_GRID_SAME_COMMUNITY),
        ("administrator", OUR_GRID),  # reverse check below: the admin *does* see it
    ],
)
def test_unmask_outside_scope_is_404(city: TestCity, username: str, grid: str) -> None:
    person = make_person(city, grid)
    if username == "administrator":
        assert unmask(city.users[username], person, "phone", reason="系统核查数据") == PHONE
        return
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        unmask(city.users[username], person, "phone", reason="核对身份信息")
    assert AuditEvent.objects.count() == before


def test_unmask_of_a_field_that_is_not_sensitive_is_refused(city: TestCity) -> None:
    person = make_person(city)
    with pytest.raises(ActionError):
        unmask(city.users["community_worker"], person, "name", reason="核对身份信息")


def test_unmask_of_an_empty_id_number_is_empty(city: TestCity) -> None:
    grid = city.region(OUR_GRID)
    person = Person.objects.create(region=grid, region_path=grid.path, name="李四")
    assert unmask(city.users["community_worker"], person, "id_number", reason="核对身份信息") == ""


# --- logs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"registered {ID}", "registered 110105********002X"),
        ("registered 11010519491231002x.", "registered 110105********002X."),
        ("old number 110105491231002 here", "old number 110105******002 here"),
        (f"phone {PHONE}", "phone 138****5678"),
        ("call +8613812345678", "call +86138****5678"),
        (f"{PHONE},{ID}", "138****5678,110105********002X"),
        ("order 1234567890123456 stays", "order 1234567890123456 stays"),  # 16 digits: neither
        ("ts 1700000000000 stays", "ts 1700000000000 stays"),  # 13 digits
        ("q=11010519491231002X&page=2", "q=110105********002X&page=2"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def _capture(logger_name: str = "linli.test.masking") -> tuple[logging.Logger, io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSensitive())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger, stream, handler


def test_the_filter_redacts_message_arguments_and_tracebacks() -> None:
    logger, stream, handler = _capture()
    try:
        logger.info("person %s phone %d", ID, int(PHONE))
        logger.info("payload %(id)s", {"id": ID.lower()})
        logger.info({"id_number": ID})  # a non-string message
        try:
            raise ValueError(f"duplicate {ID}")
        except ValueError:
            logger.exception("import row failed for %s", ID)
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert ID not in output and ID.lower() not in output and PHONE not in output
    assert "person 110105********002X phone 138****5678" in output
    assert "ValueError: duplicate 110105********002X" in output


def test_the_filter_redacts_for_caplog_too(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RedactSensitive())
    try:
        logging.getLogger("linli.test.masking").warning("lookup %s", ID)
    finally:
        caplog.handler.removeFilter(caplog.handler.filters[-1])
    assert caplog.messages == ["lookup 110105********002X"]


def test_settings_install_the_filter_on_the_root_handler_and_django_logs_pass_through_it() -> None:
    root = logging.getLogger()
    console = [h for h in root.handlers if any(isinstance(f, RedactSensitive) for f in h.filters)]
    assert console, "settings.LOGGING must put RedactSensitive on the root console handler"
    handler = console[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        logging.getLogger("django.server").warning('"GET /people/?q=%s HTTP/1.1" 200', ID)
        logging.getLogger("linli.people").warning("phone %s", PHONE)
    finally:
        handler.setStream(old)
    output = stream.getvalue()
    assert "110105********002X" in output and "138****5678" in output
    assert ID not in output and PHONE not in output
    # Django's own loggers carry no handler of their own that would bypass the filter.
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django.server").handlers == []
