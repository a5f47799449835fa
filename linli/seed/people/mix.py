"""How the demo residents are drawn: names by generation and sex, overseas names, phone blocks,
occupations, household sizes."""

from __future__ import annotations

import itertools

from linli.people.choices import (
    Ethnicity,
)

# -- names -----------------------------------------------------------------------------------------
# Common surnames, most frequent first, with Sichuan's (何 罗 曾 邓 杨) weighted a little up.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
SURNAME_CUM = list(
    itertools.accumulate(
        max(1, 60 - i // 2) + (25 if ch in "何罗曾邓杨刘陈李张王" else 0) for i, ch in enumerate(SURNAMES)
    )
)
COMPOUND = ("欧阳", "司马", "诸葛", "上官")

# Given-name characters by generation (birth year up to the key) and sex, most used first; picked with
# Zipf-like weights, so names repeat as real ones do. The youngest also get whole fashionable names.
GIVEN: list[tuple[int, str, str]] = [
    (1959, "国建志明德福华文永军荣贵成忠家林春海金树兴发庆良全祥富宝有清", "秀英兰芳珍桂玉凤淑华琼翠云素春梅菊芬惠莲"),
    (1979, "伟强军平勇斌峰涛波明辉刚杰建东红林俊海兵亮宏彬鹏志光勤", "丽红艳燕敏霞静芳娟玲萍英琴华梅洁慧丹莉蓉"),
    (1999, "磊杰鹏浩宇超强俊涛斌昊飞凯帅阳晨毅博健龙旭航彬明亮", "婷静丽娜敏雪倩颖琳佳欣莹洁霞蕾丹媛露月晶"),
    (2100, "子宇浩轩梓睿俊杰泽铭博文晨煜辰皓逸一诺嘉奕航佑然", "梓涵欣怡子萱雨桐诗可馨语思彤萌一诺依婷佳琪"),
]
MODERN_NAMES = (
    "子轩 浩然 宇轩 梓睿 俊杰 宇泽 铭轩 博文 晨阳 皓轩 一诺 奕辰 航宇 佑安 沐阳",
    "梓涵 欣怡 子萱 雨桐 诗涵 可馨 语桐 思彤 梓萌 一诺 雨欣 依诺 佳琪 若汐 沐晴",
)


def _zipf(count: int) -> list[float]:
    return list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(count)))


GIVEN_POOLS: list[tuple[int, tuple[str, list[float]], tuple[str, list[float]]]] = [
    (year, (male, _zipf(len(male))), (female, _zipf(len(female)))) for year, male, female in GIVEN
]

# Overseas residents: (nationality, passport prefix, [(foreign name, Chinese transliteration)]).
OVERSEAS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("韩国", "M", [("KIM MINJUN", "金敏俊"), ("LEE SEOYEON", "李瑞妍"), ("PARK JIHOON", "朴志勋")]),
    ("日本", "T", [("SATO HARUTO", "佐藤阳翔"), ("SUZUKI YUI", "铃木结衣")]),
    ("德国", "C", [("ANNA MUELLER", "安娜·穆勒"), ("LUKAS SCHMIDT", "卢卡斯·施密特")]),
    ("美国", "A", [("EMILY CARTER", "艾米莉·卡特"), ("DAVID MILLER", "戴维·米勒")]),
    ("泰国", "AA", [("SOMCHAI SUKSAN", "颂猜·素山")]),
    ("巴基斯坦", "BP", [("AHMED KHAN", "艾哈迈德·汗")]),
    ("俄罗斯", "75", [("IVAN PETROV", "伊万·彼得罗夫")]),
]
OVERSEAS_PURPOSES = ("工作", "学习", "探亲", "商务")

# Mobile number blocks (1[3-9]x) of the three carriers.
PHONE_PREFIXES = tuple(
    str(n)
    for n in [*range(130, 140), 150, 151, 152, *range(155, 160), 166, 173, 176, 177, *range(180, 190), 191, 198, 199]
)
OCCUPATIONS = (
    "企业职员",
    "个体工商户",
    "专业技术人员",
    "商业服务人员",
    "生产制造人员",
    "建筑工人",
    "快递员",
    "外卖骑手",
    "网约车司机",
    "教师",
    "医护人员",
    "公务员",
    "自由职业",
    "灵活就业",
    "务农",
)
FLOATING_REASONS = ("务工", "务工", "务工", "经商", "投靠亲友", "就学", "随迁")
MINORITIES = (Ethnicity.YI, Ethnicity.TIBETAN, Ethnicity.QIANG, Ethnicity.HUI, Ethnicity.TUJIA, Ethnicity.MIAO)

# Household size distribution (Chengdu, census 2020: mean ≈ 2.4-2.6, one to three persons common).
SIZES = (1, 2, 3, 4, 5, 6)
SIZE_CUM = list(itertools.accumulate((27, 31, 22, 11, 6, 3)))
