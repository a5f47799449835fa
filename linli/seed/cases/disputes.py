"""Disputes on a simulated case (``linli.cases.disputes``: record_dispute, record_mediation,
record_follow_up): the parties, the mediation and its follow-up, as steps of the case."""

from __future__ import annotations

import datetime
from decimal import Decimal

from linli.cases.choices import DisputeScale, MediationMethod, PartyRole
from linli.cases.disputes import scale_for
from linli.cases.models import CaseParty, Dispute
from linli.seed.cases import texts
from linli.seed.cases.machine import Machine
from linli.seed.cases.state import _Case
from linli.seed.clock import EPOCH, Minute

_METHODS = [
    m.value
    for m in (MediationMethod.PEOPLE, MediationMethod.INDUSTRY, MediationMethod.LAWYER, MediationMethod.JUDICIAL)
]


class Disputes:
    """The dispute verbs, written as steps through the case's ``Machine`` (same random generator)."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.rng = machine.rng
        self.district = machine.district

    def person_name(self) -> str:
        rng = self.rng
        return rng.choice(self.district.surnames) + "".join(rng.choices(self.district.given, k=rng.choice((1, 2))))

    def record_dispute(self, c: _Case, at: Minute) -> None:
        before = self.machine.begin(c, at)
        rng = self.rng
        code = c.category.code
        if code == "L0204":
            people = rng.randint(3, 25)
        elif code == "L0205":
            people = rng.randint(2, 30)
        else:
            people = rng.choices((2, 3, 4, 6), weights=(80, 10, 6, 4))[0]
        scale = scale_for(people)
        amount = None
        if code in ("L0201", "L0203", "L0204", "L0205") and rng.random() < 0.7:
            amount = Decimal(rng.randint(5, 2000) * (100 if code in ("L0204", "L0205") else 10))
        names = [self.person_name() for _ in range(2)]
        for name, role in zip(names, (PartyRole.APPLICANT.value, PartyRole.RESPONDENT.value), strict=True):
            phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" if rng.random() < 0.8 else ""
            c.parties.append((self.machine.writer.new_id(CaseParty), c.id, None, name, role, phone))
        c.dispute = [self.machine.writer.new_id(Dispute), c.id, scale, people, amount, "", "", "", "", None, None, ""]
        note = f"{DisputeScale(scale).label}，涉及 {people} 人；当事人：{names[0]}（申请方）、{names[1]}（被申请方）"
        self.machine.finish(c, "dispute", at, before, self.machine.holder_actor(c), note)

    def record_mediation(self, c: _Case, at: Minute) -> None:
        before = self.machine.begin(c, at)
        assert c.dispute is not None
        rng = self.rng
        method = rng.choices(_METHODS, weights=(80, 10, 6, 4))[0]
        org = f"{self.district.region_name[c.grid.community]}人民调解委员会"
        if method == MediationMethod.INDUSTRY:
            org = "物业纠纷调解委员会" if c.category.code == "L0203" else "劳动争议调解中心"
        mediator = self.person_name()
        success = rng.random() < 0.88
        agreement = rng.choice(texts.AGREEMENTS.get(c.category.code, ("双方达成和解。",))) if success else ""
        follow_up_on = datetime.date.fromordinal(EPOCH + at // 1440 + rng.randint(7, 30))
        c.dispute[5:10] = [org, method, mediator, agreement, success]
        c.dispute[10] = follow_up_on if not self.machine.time.sqlite else follow_up_on.isoformat()
        outcome = "调解成功" if success else "调解未成功"
        note = f"{MediationMethod(method).label} · {org} · {mediator}：{outcome}" + (
            f"。{agreement}" if agreement else ""
        )
        self.machine.finish(c, "mediation", at, before, self.machine.holder_actor(c), note)

    def record_follow_up(self, c: _Case, at: Minute) -> None:
        before = self.machine.begin(c, at)
        assert c.dispute is not None
        result = self.rng.choice(texts.FOLLOW_UP_RESULTS)
        c.dispute[11] = result
        self.machine.finish(c, "follow_up", at, before, self.machine.actor_for(c.grid.community), result)
