"""Code tables of the population registry (GB/T 31000-2015 module 2, GB/T 4761, GB/T 3304)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO_PERMIT = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan", _("台湾居民来往大陆通行证")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留身份证")
    OTHER = "other", _("其他证件")


class Sex(models.TextChoices):
    MALE = "1", _("男")
    FEMALE = "2", _("女")
    UNKNOWN = "0", _("未知")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    MOVED_OUT = "moved_out", pgettext_lazy("person status", "迁出")
    DECEASED = "deceased", _("死亡")
    CANCELLED = "cancelled", _("注销")


class MaritalStatus(models.TextChoices):
    UNMARRIED = "10", _("未婚")
    MARRIED = "20", _("已婚")
    WIDOWED = "30", _("丧偶")
    DIVORCED = "40", _("离婚")
    UNKNOWN = "90", _("未说明")


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "01", _("中共党员")
    CPC_PROBATIONARY = "02", _("中共预备党员")
    CYL_MEMBER = "03", _("共青团员")
    OTHER_PARTY = "04", _("民主党派")
    MASSES = "13", _("群众")


class Education(models.TextChoices):
    POSTGRADUATE = "10", _("研究生")
    BACHELOR = "20", _("大学本科")
    COLLEGE = "30", _("大学专科")
    SECONDARY_VOCATIONAL = "40", _("中专")
    HIGH_SCHOOL = "60", _("高中")
    JUNIOR = "70", _("初中")
    PRIMARY = "80", _("小学")
    NONE = "90", _("其他/无")


class HouseholdKind(models.TextChoices):
    FAMILY = "family", _("家庭户")
    COLLECTIVE = "collective", _("集体户")


class Relation(models.TextChoices):
    """与户主关系 (GB/T 4761-2008, the codes registries use)."""

    HEAD = "02", _("户主")
    SPOUSE = "10", _("配偶")
    SON = "20", _("子")
    DAUGHTER = "30", pgettext_lazy("relation to head", "女")
    GRANDCHILD = "40", _("孙子女")
    PARENT = "50", _("父母")
    GRANDPARENT = "60", _("祖父母")
    SIBLING = "70", _("兄弟姐妹")
    OTHER = "99", _("其他")


class ResidenceKind(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    FLOATING = "floating", _("流动人口")
    OVERSEAS = "overseas", _("境外人员")
    LEFT_BEHIND = "left_behind", _("留守人员")


class Separation(models.TextChoices):
    """人户一致 / 人户分离."""

    CONSISTENT = "consistent", _("人户一致")
    REGISTERED_ELSEWHERE = "registered_elsewhere", _("户在外地、人在本地")
    LIVING_ELSEWHERE = "living_elsewhere", _("户在本地、人在外地")


class Ethnicity(models.TextChoices):
    """The 56 民族 (GB/T 3304-1991 codes)."""

    HAN = "01", _("汉族")
    MONGOL = "02", _("蒙古族")
    HUI = "03", _("回族")
    TIBETAN = "04", _("藏族")
    UYGHUR = "05", _("维吾尔族")
    MIAO = "06", _("苗族")
    YI = "07", _("彝族")
    ZHUANG = "08", _("壮族")
    BUYEI = "09", _("布依族")
    KOREAN = "10", _("朝鲜族")
    MANCHU = "11", _("满族")
    DONG = "12", _("侗族")
    YAO = "13", _("瑶族")
    BAI = "14", _("白族")
    TUJIA = "15", _("土家族")
    HANI = "16", _("哈尼族")
    KAZAKH = "17", _("哈萨克族")
    DAI = "18", _("傣族")
    LI = "19", _("黎族")
    LISU = "20", _("傈僳族")
    VA = "21", _("佤族")
    SHE = "22", _("畲族")
    GAOSHAN = "23", _("高山族")
    LAHU = "24", _("拉祜族")
    SHUI = "25", _("水族")
    DONGXIANG = "26", _("东乡族")
    NAXI = "27", _("纳西族")
    JINGPO = "28", _("景颇族")
    KYRGYZ = "29", _("柯尔克孜族")
    TU = "30", _("土族")
    DAUR = "31", _("达斡尔族")
    MULAO = "32", _("仫佬族")
    QIANG = "33", _("羌族")
    BLANG = "34", _("布朗族")
    SALAR = "35", _("撒拉族")
    MAONAN = "36", _("毛南族")
    GELAO = "37", _("仡佬族")
    XIBE = "38", _("锡伯族")
    ACHANG = "39", _("阿昌族")
    PUMI = "40", _("普米族")
    TAJIK = "41", _("塔吉克族")
    NU = "42", _("怒族")
    UZBEK = "43", _("乌孜别克族")
    RUSSIAN = "44", _("俄罗斯族")
    EVENKI = "45", _("鄂温克族")
    DEANG = "46", _("德昂族")
    BONAN = "47", _("保安族")
    YUGUR = "48", _("裕固族")
    GIN = "49", _("京族")
    TATAR = "50", _("塔塔尔族")
    DERUNG = "51", _("独龙族")
    OROQEN = "52", _("鄂伦春族")
    HEZHEN = "53", _("赫哲族")
    MONBA = "54", _("门巴族")
    LHOBA = "55", _("珞巴族")
    JINO = "56", _("基诺族")


class TagVisibility(models.TextChoices):
    """Who may see that a person carries a tag (DESIGN.md: program access levels)."""

    OPEN = "open", _("公开（辖区工作人员可见）")
    AUDITED = "audited", _("受控（可见，查看记审计）")
    PROTECTED = "protected", _("保护（仅授权角色可见）")
