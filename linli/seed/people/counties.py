"""Places of registration: the counties whose codes an ID number carries (籍贯, 户籍地), over time."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

# -- places of registration ------------------------------------------------------------------------
# A county's codes over time as (code, first year, last year), inclusive, None for open: an ID number
# carries the code of the county at the time, and python-stdnum refuses a code outside its years.
Chain = tuple[tuple[str, int | None, int | None], ...]


@dataclass(frozen=True)
class County:
    name: str  # province + county, for 籍贯 and 户籍地
    chain: Chain
    weight: int

    def code_for(self, year: int) -> str:
        for code, first, last in self.chain:
            if (first is None or year >= first) and (last is None or year <= last):
                return code
        raise LookupError(f"{self.name}: no code for {year}")


LOCAL = County("四川省成都市郫都区", (("512722", None, 1982), ("510124", 1983, 2015), ("510117", 2016, None)), 1)
# Registered here but born elsewhere in Sichuan (the ID keeps the birthplace).
SICHUAN: list[County] = [
    County("四川省成都市金堂县", (("510121", None, None),), 5),
    County("四川省自贡市荣县", (("510321", None, None),), 3),
    County("四川省阿坝州汶川县", (("513221", None, None),), 2),
    County("四川省凉山州西昌市", (("513401", None, None),), 2),
    County("四川省甘孜州泸定县", (("513322", None, None),), 1),
]
# Floating population: registered in other provinces.
ELSEWHERE: list[County] = [
    County(
        "重庆市开州区",
        (("512222", None, 1991), ("511221", 1992, 1996), ("500234", 1997, 2015), ("500154", 2016, None)),
        14,
    ),
    County(
        "重庆市永川区",
        (
            ("512125", None, 1982),
            ("510229", 1983, 1991),
            ("510281", 1992, 1996),
            ("500383", 1997, 2005),
            ("500118", 2006, None),
        ),
        10,
    ),
    County("贵州省黔西南州普安县", (("522323", None, None),), 6),
    County("贵州省黔东南州黄平县", (("522622", None, None),), 5),
    County("云南省昆明市富民县", (("530124", None, None),), 5),
    County("云南省楚雄州南华县", (("532324", None, None),), 4),
    County("甘肃省兰州市榆中县", (("620123", None, None),), 5),
    County("甘肃省临夏州康乐县", (("622922", None, None),), 2),
    County("陕西省宝鸡市岐山县", (("610323", None, None),), 5),
    County("湖南省长沙市长沙县", (("430121", None, None),), 4),
    County("湖南省湘西州凤凰县", (("433123", None, None),), 3),
    County("湖北省恩施州建始县", (("422822", None, None),), 4),
    County("安徽省合肥市长丰县", (("340121", None, None),), 3),
    County("江西省南昌市南昌县", (("360121", None, None),), 3),
    County("浙江省杭州市桐庐县", (("330122", None, None),), 2),
    County("宁夏回族自治区银川市永宁县", (("640121", None, None),), 2),
    County("新疆维吾尔自治区昌吉州呼图壁县", (("652323", None, None),), 1),
    County("黑龙江省伊春市嘉荫县", (("230722", None, None),), 1),
]
SICHUAN_CUM = list(itertools.accumulate(c.weight for c in SICHUAN))
ELSEWHERE_CUM = list(itertools.accumulate(c.weight for c in ELSEWHERE))
