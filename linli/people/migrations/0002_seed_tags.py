"""Seed the tag categories and tags every city starts with (标签 as data; cities add their own).

Visibility follows DESIGN.md's program access levels: most tags are open to the workers of the
region; 重点青少年 and the minors' tags are audited; the special populations of GB/T 31000 module 3
(刑满释放, 社区矫正, 吸毒, 严重精神障碍, 艾滋病危险) are protected and visible only to the roles that
work with them. Codes are stable identifiers other code and imports may refer to.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

# Roles that visit and help the special populations (role codes as in linli.accounts.roles.Role).
CASEWORK_ROLES = ["grid_worker", "community_worker", "subdistrict_staff"]

# (code, name, parent code or None)
CATEGORIES: list[tuple[str, str, str | None]] = [
    ("assistance", "社会救助", None),
    ("disability", "残疾人", None),
    ("elderly", "老年人", None),
    ("children", "儿童与青少年", None),
    ("veterans", "退役军人与优抚", None),
    ("political", "政治面貌", None),
    ("special", "特殊人群", None),
    ("special_justice", "司法类", "special"),
    ("special_health", "卫健类", "special"),
]

# (code, name, category code, visibility, visible roles)
TAGS: list[tuple[str, str, str, str, list[str]]] = [
    ("dibao", "低保", "assistance", "open", []),
    ("dibao_edge", "低保边缘", "assistance", "open", []),
    ("tekun", "特困", "assistance", "open", []),
    ("disabled", "残疾", "disability", "open", []),
    ("elderly_alone", "独居老人", "elderly", "open", []),
    ("elderly_empty_nest", "空巢老人", "elderly", "open", []),
    ("elderly_80plus", "高龄老人", "elderly", "open", []),
    ("left_behind_child", "留守儿童", "children", "audited", []),
    ("child_in_difficulty", "困境儿童", "children", "audited", []),
    ("key_youth", "重点青少年", "children", "audited", []),
    ("veteran", "退役军人", "veterans", "open", []),
    ("entitled_group", "优抚对象", "veterans", "open", []),
    ("party_member", "党员", "political", "open", []),
    ("released_prisoner", "刑满释放人员", "special_justice", "protected", CASEWORK_ROLES),
    ("community_correction", "社区矫正对象", "special_justice", "protected", CASEWORK_ROLES),
    ("drug_user", "吸毒人员", "special_justice", "protected", CASEWORK_ROLES),
    ("severe_mental_disorder", "严重精神障碍患者", "special_health", "protected", CASEWORK_ROLES),
    ("hiv_risk", "艾滋病危险人员", "special_health", "protected", CASEWORK_ROLES),
]


def seed(apps: Any, schema_editor: Any) -> None:
    TagCategory = apps.get_model("people", "TagCategory")
    Tag = apps.get_model("people", "Tag")
    categories: dict[str, Any] = {}
    for code, name, parent in CATEGORIES:
        categories[code], _created = TagCategory.objects.get_or_create(
            code=code, defaults={"name": name, "parent": categories.get(parent) if parent else None}
        )
    for code, name, category, visibility, roles in TAGS:
        Tag.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": categories[category],
                "visibility": visibility,
                "visible_roles": roles,
            },
        )


def unseed(apps: Any, schema_editor: Any) -> None:
    # Only the seeded rows; a tag already used on a person is protected by its foreign key.
    apps.get_model("people", "Tag").objects.filter(code__in=[t[0] for t in TAGS]).delete()
    apps.get_model("people", "TagCategory").objects.filter(code__in=[c[0] for c in reversed(CATEGORIES)]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
