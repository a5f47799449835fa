"""The category tree a new city starts with (a data migration loads it; administrators change it after).

Classes follow GB/T 30428 (数字化城市管理信息系统): 部件 components (C…) and 事件 events (E…), two
levels, plus the local classes of the seeds (L…): the "八乱", 矛盾纠纷, 安全隐患, 困难帮扶, 政策咨询.
Limits are working hours (7 make a working day): accept / dispatch / handle / verify.
``level`` is the lowest level that handles the class (小事不出网格，大事不出社区); ``dept`` the
responsible department's code when a department handles it.
"""

from __future__ import annotations

from typing import Any

# (code, name, short name) of the departments the catalogue routes to; created if missing.
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("cg", "城市管理局", "城管"),
    ("zj", "住房和城乡建设局", "住建"),
    ("sj", "市场监督管理局", "市场监管"),
    ("ga", "公安分局", "公安"),
    ("sf", "司法局", "司法"),
    ("mz", "民政局", "民政"),
    ("hb", "生态环境局", "生态环境"),
    ("sw", "水务局", "水务"),
    ("jt", "交通运输局", "交通"),
    ("yj", "应急管理局", "应急"),
]

# major: (code, name, kind); minors: (code, name, level, dept, handle_hours, verification, public, keywords)
Minor = tuple[str, str, str, str, float, str, bool, str]
CATALOGUE: list[tuple[tuple[str, str, str], list[Minor]]] = [
    (
        ("C01", "公用设施", "component"),
        [
            ("C0101", "井盖破损缺失", "department", "sw", 7, "on_site", True, "井盖 窨井 下水道盖"),
            ("C0102", "路灯损坏", "department", "cg", 35, "on_site", True, "路灯 照明 不亮"),
            ("C0103", "消防设施损坏", "community", "", 14, "on_site", True, "消防栓 灭火器"),
            ("C0104", "公共厕所设施损坏", "department", "cg", 35, "on_site", True, "公厕 厕所"),
        ],
    ),
    (
        ("C02", "道路交通", "component"),
        [
            ("C0201", "道路破损", "department", "zj", 70, "on_site", True, "路面 坑洼 塌陷"),
            ("C0202", "交通标志损坏", "department", "jt", 35, "on_site", True, "标志 标线 护栏"),
            ("C0203", "人行道砖松动", "community", "", 35, "on_site", True, "地砖 人行道"),
        ],
    ),
    (
        ("C03", "市容环境", "component"),
        [
            ("C0301", "垃圾桶破损", "grid", "", 14, "on_site", True, "垃圾桶 果皮箱"),
            ("C0302", "公共座椅损坏", "community", "", 35, "on_site", True, "座椅 长凳"),
        ],
    ),
    (
        ("C04", "园林绿化", "component"),
        [
            ("C0401", "树木倒伏", "department", "cg", 7, "on_site", True, "树 倒伏 断枝"),
            ("C0402", "绿地损毁", "community", "", 35, "on_site", True, "草坪 绿化带"),
        ],
    ),
    (
        ("C05", "房屋土地", "component"),
        [
            ("C0501", "老旧房屋隐患", "department", "zj", 35, "on_site", True, "危房 墙体 开裂"),
        ],
    ),
    (
        ("E01", "市容环境", "event"),
        [
            ("E0101", "暴露垃圾", "grid", "", 7, "on_site", True, "垃圾 堆放 清运"),
            ("E0102", "积水", "community", "", 7, "on_site", True, "积水 内涝"),
            ("E0103", "道路不洁", "grid", "", 7, "on_site", True, "不洁 污渍 泥土"),
        ],
    ),
    (
        ("E02", "宣传广告", "event"),
        [
            ("E0201", "非法小广告", "grid", "", 14, "on_site", True, "小广告 牛皮癣 张贴"),
            ("E0202", "广告牌破损", "department", "cg", 35, "on_site", True, "广告牌 灯箱"),
        ],
    ),
    (
        ("E03", "施工管理", "event"),
        [
            ("E0301", "施工扰民", "department", "zj", 14, "reporter", True, "施工 噪音 夜间"),
            ("E0302", "渣土遗撒", "department", "cg", 7, "on_site", True, "渣土 遗撒 扬尘"),
        ],
    ),
    (
        ("E04", "突发事件", "event"),
        [
            ("E0401", "燃气泄漏", "department", "yj", 2, "on_site", False, "燃气 煤气 泄漏"),
            ("E0402", "路面塌陷", "department", "zj", 2, "on_site", False, "塌陷 坑"),
        ],
    ),
    (
        ("E05", "街面秩序", "event"),
        [
            ("E0501", "无照经营", "department", "sj", 35, "on_site", True, "无照 经营"),
            ("E0502", "占道经营", "community", "", 14, "on_site", True, "占道 摆摊"),
        ],
    ),
    (
        ("L01", "八乱整治", "event"),
        [
            ("L0101", "油烟乱排", "department", "cg", 14, "reporter", True, "油烟 餐馆 排烟"),
            ("L0102", "污水乱倒", "community", "", 14, "on_site", True, "污水 倾倒"),
            ("L0103", "垃圾乱丢", "grid", "", 7, "on_site", True, "垃圾 乱丢 乱扔"),
            ("L0104", "物料乱堆", "grid", "", 14, "on_site", True, "物料 杂物 堆放 楼道"),
            ("L0105", "车辆乱停", "community", "", 7, "on_site", True, "停车 乱停 占道 电瓶车"),
            ("L0106", "招牌乱设", "department", "cg", 35, "on_site", True, "招牌 店招"),
            ("L0107", "摊位乱摆", "community", "", 7, "on_site", True, "摊位 流动摊贩"),
            ("L0108", "线缆乱牵", "community", "", 14, "on_site", True, "线缆 飞线 充电"),
        ],
    ),
    (
        ("L02", "矛盾纠纷", "dispute"),
        [
            ("L0201", "邻里纠纷", "community", "", 70, "reporter", False, "邻里 漏水 噪音 纠纷"),
            ("L0202", "家庭纠纷", "community", "", 70, "reporter", False, "家庭 婚姻 赡养"),
            ("L0203", "物业纠纷", "community", "", 70, "reporter", False, "物业 收费 业委会"),
            ("L0204", "劳资纠纷", "department", "sf", 105, "reporter", False, "工资 拖欠 劳务"),
            ("L0205", "征地拆迁纠纷", "subdistrict", "", 140, "reporter", False, "拆迁 补偿"),
        ],
    ),
    (
        ("L03", "安全隐患", "hazard"),
        [
            ("L0301", "电动车楼道充电", "grid", "", 7, "on_site", True, "电动车 充电 楼道"),
            ("L0302", "消防通道堵塞", "community", "", 7, "on_site", True, "消防通道 堵塞"),
            ("L0303", "高空坠物隐患", "community", "", 14, "on_site", True, "高空 坠物 阳台"),
            ("L0304", "出租屋安全隐患", "subdistrict", "", 35, "on_site", False, "出租屋 群租"),
        ],
    ),
    (
        ("L04", "困难帮扶", "help"),
        [
            ("L0401", "独居老人求助", "community", "", 7, "reporter", False, "老人 独居 求助"),
            ("L0402", "困难群众救助", "department", "mz", 70, "reporter", False, "低保 救助 困难"),
            ("L0403", "残疾人帮扶", "community", "", 35, "reporter", False, "残疾 帮扶"),
        ],
    ),
    (
        ("L05", "政策咨询", "consult"),
        [
            ("L0501", "社保医保咨询", "community", "", 14, "none", True, "社保 医保 咨询"),
            ("L0502", "户籍办理咨询", "community", "", 14, "none", True, "户口 户籍 证明"),
        ],
    ),
]


def load_catalogue(category_model: Any, department_model: Any) -> int:
    """Create what is missing (by code); never changes a category an administrator has edited."""
    departments = {}
    for code, name, short in DEPARTMENTS:
        departments[code], _created = department_model.objects.get_or_create(
            code=code, defaults={"name": name, "short_name": short}
        )
    created = 0
    for sort_major, ((major_code, major_name, kind), minors) in enumerate(CATALOGUE, start=1):
        major, made = category_model.objects.get_or_create(
            code=major_code,
            defaults={"name": major_name, "kind": kind, "sort": sort_major * 100, "handling_level": "community"},
        )
        created += made
        for sort_minor, (code, name, level, dept, handle, verification, public, keywords) in enumerate(minors, 1):
            _obj, made = category_model.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "parent": major,
                    "kind": kind,
                    "keywords": keywords,
                    "handling_level": level,
                    "department": departments[dept] if dept else None,
                    "accept_hours": 1 if handle > 2 else 0.5,
                    "dispatch_hours": 1 if handle > 2 else 0.5,
                    "handle_hours": handle,
                    "verify_hours": 7 if handle > 2 else 2,
                    "escalate_after_hours": 7 if handle <= 14 else None,
                    "is_public": public,
                    "verification": verification,
                    "sort": sort_major * 100 + sort_minor,
                },
            )
            created += made
    return created
