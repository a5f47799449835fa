"""The interface is zh-Hans by default and English when the user picks it in the language switcher.

Also checks the English catalogue itself: every message translated, no fuzzy entries, and the
placeholders of each translation the same as its source string's (a missing ``%(name)s`` raises
at render time; an extra one shows raw to the user).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from linli.core.actions import ActionError
from linli.places.actions import move_region
from linli.testing import TEST_PASSWORD, TestCity

PO_PATH = Path(settings.BASE_DIR) / "linli" / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# %(name)s / %(n)d / %(x).1f / %s / %d (python-format), and {name} / {} (python-brace-format).
PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
BRACE = re.compile(r"\{(\w*)\}")


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgstrs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], text.strip()[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """A minimal .po reader: msgid, msgid_plural, msgstr / msgstr[N], flags; the header is skipped."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry = Entry(msgid="")
        current: str | None = None
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                assert current is not None, f"continuation line without a keyword: {line!r}"
                fields[current] += _unquote(line)
            else:
                keyword, _, rest = line.partition(" ")
                current = keyword
                fields[keyword] = _unquote(rest)
        entry.msgid = fields.get("msgid", "")
        entry.msgid_plural = fields.get("msgid_plural")
        entry.msgstrs = [value for key, value in fields.items() if key.startswith("msgstr")]
        if entry.msgid:  # skip the header entry
            entries.append(entry)
    return entries


def placeholders(text: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for name, conversion in PERCENT.findall(text):
        if conversion != "%":
            found[f"%({name}){conversion}" if name else f"%{conversion}"] += 1
    for name in BRACE.findall(text):
        found["{" + name + "}"] += 1
    return found


def english(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302


# --- the catalogue -------------------------------------------------------------------------------


def test_catalogue_exists_and_is_compiled() -> None:
    assert PO_PATH.exists()
    assert MO_PATH.exists(), "commit the compiled .mo so a checkout without gettext shows English"
    assert MO_PATH.stat().st_size > 1000


def test_every_message_is_translated_and_not_fuzzy() -> None:
    entries = parse_po(PO_PATH)
    assert len(entries) > 300
    untranslated = [e.msgid for e in entries if not e.msgstrs or any(not s.strip() for s in e.msgstrs)]
    assert untranslated == []
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    assert all(len(e.msgstrs) == 2 for e in entries if e.msgid_plural), "English has two plural forms"


def test_placeholders_match_between_source_and_translation() -> None:
    mismatched = []
    for entry in parse_po(PO_PATH):
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        expected = placeholders(sources[-1])
        for msgstr in entry.msgstrs:
            if placeholders(msgstr) != expected:
                mismatched.append((entry.msgid, msgstr))
    assert mismatched == []


def test_translations_are_english() -> None:
    """No Chinese left in a translation, except language names shown in their own language."""
    han = re.compile(r"[\u4e00-\u9fff]")
    leftovers = [(e.msgid, s) for e in parse_po(PO_PATH) for s in e.msgstrs if han.search(s) and s != e.msgid]
    assert leftovers == []


def test_placeholder_helper() -> None:
    assert placeholders("共 %(n)d 条，%(rate).0f 行/秒，100%% {} {x}") == Counter(
        {"%(n)d": 1, "%(rate)f": 1, "{}": 1, "{x}": 1}
    )


# --- the pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert "登录邻里" in body
    assert "Sign in to Linli" not in body


@pytest.mark.django_db
def test_anonymous_visitor_can_switch_the_login_page_to_english(client: Client) -> None:
    english(client)
    body = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in body
    assert "Sign in to Linli" in body
    assert "登录邻里" not in body


def test_signed_in_user_switches_home_page_to_english(city: TestCity, client: Client) -> None:
    assert client.login(username="community_worker", password=TEST_PASSWORD)
    chinese = client.get(reverse("home")).content.decode()
    assert "退出" in chinese and "首页" in chinese

    english(client)
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in body
    for text in ("Sign out", "Home", "Hello, community_worker", "Your role: Community worker"):
        assert text in body
    for text in ("退出", "主导航", "您的身份", "查看本网格的楼栋"):
        assert text not in body
    # Data stays as entered: region names are not translated.
    assert "红星路社区" in body


def test_region_page_in_english(city: TestCity, client: Client) -> None:
    assert client.login(username="district_leader", password=TEST_PASSWORD)
    english(client)
    subdistrict = city.region("510104001")
    body = client.get(reverse("places:region", args=[subdistrict.pk])).content.decode()
    assert "Subregions" in body and "Subdistrict" in body
    for text in ("下级区域", "街道/乡镇", "退出"):
        assert text not in body

    grid = city.region("510104001001001")
    body = client.get(reverse("places:region", args=[grid.pk])).content.decode()
    assert "Buildings" in body and "Building no." in body
    assert "楼栋号" not in body


def test_refusal_messages_are_translated(city: TestCity) -> None:
    """An action's Chinese refusal reaches an English user in English, placeholders filled."""
    district = city.region("510104")
    below = city.region("510104001")
    admin = city.users["administrator"]
    with translation.override("en"), pytest.raises(ActionError) as refused:
        move_region(admin, district, new_parent=below)
    assert refused.value.message == (
        "District “锦江区” (510104) cannot be moved under its own subregion "
        "Subdistrict “春熙路街道” (510104001) (that would form a cycle)."
    )
    with translation.override("zh-hans"), pytest.raises(ActionError) as refused:
        move_region(admin, district, new_parent=below)
    assert "会形成循环" in refused.value.message


def test_not_found_page_in_english(city: TestCity, client: Client) -> None:
    assert client.login(username="community_worker", password=TEST_PASSWORD)
    english(client)
    outside = city.region("510105001001")
    response = client.get(reverse("places:region", args=[outside.pk]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert "找不到页面" not in body


def test_switching_back_to_chinese(city: TestCity, client: Client) -> None:
    assert client.login(username="community_worker", password=TEST_PASSWORD)
    english(client)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    body = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in body
    assert "退出" in body and "Sign out" not in body


def test_a_browser_asking_for_english_still_gets_chinese_until_the_user_chooses(client: Client) -> None:
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()
