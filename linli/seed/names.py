"""Place names for the synthetic city.

The city and its 20 district-level units are Chengdu's real ones with their GB/T 2260 codes; the
subdistricts of 郫都区 and 武侯区 are real names (their 3-digit codes here are illustrative); other
districts' subdistricts, all communities, estates and roads are composed from word pools. No
person is named anywhere.
"""

from __future__ import annotations

import random

CITY = ("510100", "成都市")

# (code, name); 郫都区 first: the `demo` and `tiny` scales build only it.
DISTRICTS: list[tuple[str, str]] = [
    ("510117", "郫都区"),
    ("510107", "武侯区"),
    ("510104", "锦江区"),
    ("510105", "青羊区"),
    ("510106", "金牛区"),
    ("510108", "成华区"),
    ("510112", "龙泉驿区"),
    ("510113", "青白江区"),
    ("510114", "新都区"),
    ("510115", "温江区"),
    ("510116", "双流区"),
    ("510118", "新津区"),
    ("510121", "金堂县"),
    ("510129", "大邑县"),
    ("510131", "蒲江县"),
    ("510181", "都江堰市"),
    ("510182", "彭州市"),
    ("510183", "邛崃市"),
    ("510184", "崇州市"),
    ("510185", "简阳市"),
]

# Real subdistricts (streets first, then towns).
REAL_SUBDISTRICTS: dict[str, tuple[list[str], list[str]]] = {
    "510117": (
        ["郫筒街道", "犀浦街道", "合作街道", "团结街道", "红光街道", "安德街道", "德源街道", "安靖街道"],
        ["唐昌镇", "三道堰镇", "友爱镇", "古城镇"],
    ),
    "510107": (
        [
            "浆洗街街道",
            "玉林街道",
            "望江路街道",
            "跳伞塔街道",
            "火车南站街道",
            "红牌楼街道",
            "簇桥街道",
            "晋阳街道",
            "机投桥街道",
            "簇锦街道",
            "华兴街道",
            "金花桥街道",
        ],
        [],
    ),
}

# Two-character words for composed names; all plain, none a person's name.
_PLACE_WORDS_TEXT = (
    "望丛 校园 书院 花园 锦绣 南苑 蜀都 鹃城 双柏 清河 金沙 光华 草堂 府南 抚琴 青龙 白鹭 东风 红旗 和平 "
    "长青 文昌 金桥 兴隆 永安 东升 新华 太平 龙潭 石桥 桂湖 荷塘 柳城 银杏 梧桐 丹桂 明月 清泉 翠竹 玉带 "
    "锦江 浣花 琴台 芙蓉 百花 安居 乐业 康宁 怡心 同心 友谊 团结 幸福 福祥 瑞和 嘉禾 丰收 青杠 战旗 马街 "
    "古城 德源 西源 创智 菁蓉 犀安 沙西 天府 蜀韵 望江 玉林 红光 合作 安德 万福 高店 围城 花牌 竹林 迎宾"
)
PLACE_WORDS = _PLACE_WORDS_TEXT.split()

ROAD_SUFFIXES = ("路", "街", "大道", "巷", "北路", "南路", "东路", "西路")
ESTATE_SUFFIXES = ("小区", "花园", "苑", "家园", "新村", "雅居", "佳苑", "府")


class NamePool:
    """Unique composed names drawn deterministically from the word pools."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def take(self, suffix: str, exclude: set[str] | None = None) -> str:
        """A name ``<word(s)><suffix>`` not handed out before (two words once one-word names run out)."""
        exclude = exclude or set()
        for _attempt in range(200):
            word = self.rng.choice(PLACE_WORDS)
            name = f"{word}{suffix}"
            if name not in self.used and name not in exclude:
                self.used.add(name)
                return name
        while True:
            name = f"{self.rng.choice(PLACE_WORDS)}{self.rng.choice(PLACE_WORDS)}{suffix}"
            if name not in self.used and name not in exclude:
                self.used.add(name)
                return name


def subdistrict_names(district_code: str, streets: int, towns: int, pool: NamePool) -> tuple[list[str], list[str]]:
    """Names for ``streets`` 街道 and ``towns`` 镇: the real ones where known, composed ones after."""
    real_streets, real_towns = REAL_SUBDISTRICTS.get(district_code, ([], []))
    exclude = set(real_streets) | set(real_towns)
    street_names = real_streets[:streets] + [pool.take("街道", exclude) for _ in range(streets - len(real_streets))]
    town_names = real_towns[:towns] + [pool.take("镇", exclude) for _ in range(towns - len(real_towns))]
    return street_names, town_names
