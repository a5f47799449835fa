"""Finding persons: search keys for names, and the query router.

`search_keys(name)` gives the pinyin and initials stored beside a name so that a worker typing
"wangfang" or "wf" on a phone finds 王芳. pypinyin (0.55) has no surname style, so the first
character (or a compound surname: 欧阳, 尉迟 …) is read from a small table of surname readings
that differ from the character's common reading (单 shan, 曾 zeng, 解 xie, 仇 qiu …).
"""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

#: Compound surnames whose reading differs from, or must be kept apart from, the common reading.
COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "单于": ("chan", "yu"),
    "澹台": ("tan", "tai"),
    "皇甫": ("huang", "fu"),
    "令狐": ("ling", "hu"),
    "欧阳": ("ou", "yang"),
    "司马": ("si", "ma"),
    "诸葛": ("zhu", "ge"),
    "上官": ("shang", "guan"),
    "东方": ("dong", "fang"),
    "夏侯": ("xia", "hou"),
    "宇文": ("yu", "wen"),
    "公孙": ("gong", "sun"),
    "慕容": ("mu", "rong"),
    "呼延": ("hu", "yan"),
    "司徒": ("si", "tu"),
    "西门": ("xi", "men"),
    "南宫": ("nan", "gong"),
}

#: Single-character surnames read differently from the character's most common reading.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "翟": "zhai",
    "缪": "miao",
    "召": "shao",
    "秘": "bi",
    "繁": "po",
    "折": "she",
    "种": "chong",
    "员": "yun",
    "宓": "fu",
    "尉": "yu",
    "隗": "wei",
    "句": "gou",
    "能": "nai",
    "么": "yao",
    "眭": "sui",
    "阚": "kan",
    "佘": "she",
    "柏": "bai",
    "华": "hua",
    "任": "ren",
    "燕": "yan",
    "纪": "ji",
    "黑": "he",
    "薄": "bo",
    "重": "chong",
    "长": "chang",
    "调": "diao",
    "祭": "zhai",
    "藏": "zang",
    "车": "che",
    "沈": "shen",
    "石": "shi",
    "相": "xiang",
    "应": "ying",
    "过": "guo",
    "费": "fei",
    "哈": "ha",
    "阿": "a",
    "卜": "bu",
    "暴": "bao",
    "贲": "ben",
    "郇": "xun",
    "雍": "yong",
    "殷": "yin",
    "莘": "shen",
    "谌": "chen",
    "蕃": "pi",
    "寻": "xun",
    "洗": "xian",
    "冼": "xian",
}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9]+")
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _is_han(char: str) -> bool:
    return bool(_HAN.fullmatch(char))


def _clean(name: str) -> str:
    """NFKC (full-width letters to half-width), single spaces, lower case for Latin letters."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).lower()


def search_keys(name: str) -> tuple[str, str]:
    """Return (pinyin, initials) for a person's name, e.g. "张三" → ("zhangsan", "zs").

    Lowercase, no tones, no spaces; ü is written "v" (吕 → "lv"), as pypinyin writes it.
    The surname is read as a surname (单 → "shan", 曾 → "zeng", 尉迟 → "yuchi").
    Latin letters and digits in the name are kept; each Latin word adds its first letter to
    the initials. Other characters (·, punctuation) are dropped.
    """
    text = _clean(name)
    if not text:
        return "", ""
    syllables: list[str] = []
    rest = text
    compound = COMPOUND_SURNAMES.get(text[:2]) if len(text) > 2 else None
    if compound is not None:
        syllables.extend(compound)
        rest = text[2:]
    elif _is_han(text[0]) and text[0] in SURNAME_READINGS:
        syllables.append(SURNAME_READINGS[text[0]])
        rest = text[1:]
    pinyin_parts: list[str] = list(syllables)
    initials_parts: list[str] = [s[0] for s in syllables if s]
    # Runs of Chinese characters go through pypinyin together (phrase context helps);
    # everything else is kept as Latin words.
    for run in _RUNS.findall(rest):
        if _is_han(run[0]):
            readings = [r.lower() for r in lazy_pinyin(run, style=Style.NORMAL, v_to_u=False)]
            pinyin_parts.extend(readings)
            initials_parts.extend(r[0] for r in readings if r)
        else:
            for word in _WORD.findall(run):
                pinyin_parts.append(word)
                initials_parts.append(word[0])
    return "".join(pinyin_parts), "".join(initials_parts)
