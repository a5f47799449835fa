"""The test that guards every route: walks all URL patterns of linli.urls, API routes included.

For every route (static and media files aside):

- anonymous: a page redirects to the sign-in page, an /api/ route answers 401 — unless its URL name
  is declared in ``linli.core.middleware.PUBLIC_URL_NAMES``;
- the outsider (a district leader of 青羊区) and an administrator of 青羊区 (every capability, so
  the scope check and not a missing capability is what answers): a route given a 锦江区 object
  answers 404 to GET and to POST (403 allowed for the outsider, who lacks some capabilities; 405
  where the route does not take the method); a route without
  parameters shows nothing of 锦江区, also when asked for it through common filters (routes in
  ``PUBLIC_URL_NAMES`` aside: they answer everyone alike, e.g. Open311's public cases);
- every role of the standard cast, and anonymous: no route answers 5xx.

A route with URL parameters needs a sample 锦江区 object: ``SAMPLE_KWARGS`` maps each such URL name
to its kwargs. A new parameterised route fails ``test_every_parameterised_route_has_a_sample``
until it is added there, so no route escapes this test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from linli.accounts.models import Assignment, User
from linli.accounts.roles import Role
from linli.cases.workflow import RULES as CASE_VERBS
from linli.core.middleware import PUBLIC_URL_NAMES
from linli.core.models import AuditEvent
from linli.places import actions as places_actions
from linli.places.models import Building, Estate, House, Region, Unit
from linli.testing import TestCity

JINJIANG = "510104"
QINGYANG = "510105"


# --- the routes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespaced URL name, e.g. "places:building" or "api:house-detail"
    pattern: str  # the full pattern text, for messages
    params: frozenset[str]  # URL parameters, the format suffix aside
    has_format: bool  # DRF's format-suffix variant (…/houses/5.json)

    @property
    def is_api(self) -> bool:
        return self.pattern.lstrip("^").startswith("api/")

    def __str__(self) -> str:
        return f"{self.name} ({self.pattern})"


def _pattern_params(pattern: Any) -> set[str]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return set(converters)
    return set(pattern.regex.groupindex)


def _walk(patterns: list[Any], prefix: str, namespace: str | None, params: set[str]) -> Iterator[tuple[Any, ...]]:
    for entry in patterns:
        text = prefix + str(entry.pattern)
        found = params | _pattern_params(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, text, inner, found)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, text, found


def _is_static(pattern: str) -> bool:
    bare = pattern.lstrip("^")
    return any(bare.startswith(url.lstrip("/")) for url in (settings.STATIC_URL, settings.MEDIA_URL) if url)


def collect_routes() -> tuple[list[Route], list[str]]:
    """Every named route once per (name, parameters, format) and the patterns that have no name."""
    routes: dict[tuple[str, frozenset[str], bool], Route] = {}
    unnamed: list[str] = []
    for name, pattern, params in _walk(get_resolver().url_patterns, "", None, set()):
        if _is_static(pattern):
            continue
        if not name:
            unnamed.append(pattern)
            continue
        route = Route(name, pattern, frozenset(params - {"format"}), "format" in params)
        routes.setdefault((route.name, route.params, route.has_format), route)
    return sorted(routes.values(), key=lambda r: (r.name, r.has_format)), unnamed


ROUTES, UNNAMED = collect_routes()


# --- sample objects in 锦江区 ------------------------------------------------------------------


@dataclass
class Jinjiang:
    """One object of each kind inside 锦江区, for routes that take an id."""

    district: Region
    subdistrict: Region
    community: Region
    grid: Region
    estate: Estate
    building: Building
    unit: Unit
    house: House
    user: User  # the grid worker of 红星路社区第1网格
    assignment: Assignment
    audit_event: AuditEvent
    markers: tuple[str, ...]  # text that must not appear in what an outsider is shown


def _sample_household(j: Jinjiang) -> Any:
    """A household of two in the sample house, registered once per test through the people actions."""
    household = getattr(j, "_people_household", None)
    if household is None:
        from datetime import date

        from linli.people.actions import register_family
        from linli.testing import resident_id

        members = [
            {"name": "锦江样本户主", "id_number": resident_id(date(1970, 1, 1), 901), "relation": "02"},
            {"name": "锦江样本配偶", "id_number": resident_id(date(1972, 2, 2), 902), "relation": "10"},
        ]
        household = register_family(None, house=j.house, kind="registered", household_number="JJ001", members=members)
        j._people_household = household  # type: ignore[attr-defined]
    return household


def _sample_person(j: Jinjiang) -> Any:
    return _sample_household(j).head


def _sample_case(j: Jinjiang) -> Any:
    """A case reported by the grid worker at the sample house, once per test, through the workflow action."""
    case = getattr(j, "_cases_case", None)
    if case is None:
        from linli.cases.models import Category
        from linli.cases.workflow import report_case

        category = Category.objects.get(code="L0104")
        case = report_case(j.user, category=category, title="锦江样本事件", house=j.house)
        j._cases_case = case  # type: ignore[attr-defined]
    return case


SAMPLE_KWARGS: dict[str, Callable[[Jinjiang], dict[str, Any]]] = {
    # accounts
    "accounts:user_detail": lambda j: {"pk": j.user.pk},
    "accounts:assignment_add": lambda j: {"pk": j.user.pk},
    "accounts:user_deactivate": lambda j: {"pk": j.user.pk},
    "accounts:user_activate": lambda j: {"pk": j.user.pk},
    "accounts:user_password": lambda j: {"pk": j.user.pk},
    "accounts:assignment_end": lambda j: {"pk": j.assignment.pk},
    # audit
    "audit:detail": lambda j: {"seq": j.audit_event.seq},
    # working calendar (city-wide: a district administrator gets 404, as outside their scope)
    "calendar:year": lambda j: {"year": 2026},
    "calendar:remove_day": lambda j: {"year": 2026},
    "calendar:mark_entered": lambda j: {"year": 2026},
    # places pages
    "places:region": lambda j: {"pk": j.community.pk},
    "places:region_geojson": lambda j: {"pk": j.community.pk},
    "places:building": lambda j: {"pk": j.building.pk},
    "places:house": lambda j: {"pk": j.house.pk},
    # people pages
    "people:detail": lambda j: {"pk": _sample_person(j).pk},
    "people:edit": lambda j: {"pk": _sample_person(j).pk},
    "people:unmask": lambda j: {"pk": _sample_person(j).pk},
    "people:confirm": lambda j: {"pk": _sample_person(j).pk},
    "people:move_in": lambda j: {"pk": _sample_person(j).pk},
    "people:move_out": lambda j: {"pk": _sample_person(j).pk},
    "people:record_death": lambda j: {"pk": _sample_person(j).pk},
    "people:cancel": lambda j: {"pk": _sample_person(j).pk},
    "people:household": lambda j: {"pk": _sample_household(j).pk},
    "people:quality": lambda j: {"pk": j.community.pk},
    # case pages
    "cases:detail": lambda j: {"pk": _sample_case(j).pk},
    "cases:do": lambda j: {"pk": _sample_case(j).pk, "verb": "accept"},
    "cases:attachment": lambda j: {"pk": _sample_case(j).pk, "attachment_id": 1},
    "cases:dispute": lambda j: {"pk": _sample_case(j).pk},
    # tree management
    "tree:rename": lambda j: {"pk": j.community.pk},
    "tree:move": lambda j: {"pk": j.community.pk},
    "tree:merge": lambda j: {"pk": j.community.pk},
    "tree:split": lambda j: {"pk": j.community.pk},
    "tree:coverage": lambda j: {"pk": j.community.pk},
    # API
    "api:region-detail": lambda j: {"pk": j.community.pk},
    "api:region-children-geojson": lambda j: {"pk": j.community.pk},
    "api:estate-detail": lambda j: {"pk": j.estate.pk},
    "api:building-detail": lambda j: {"pk": j.building.pk},
    "api:unit-detail": lambda j: {"pk": j.unit.pk},
    "api:house-detail": lambda j: {"pk": j.house.pk},
    "api:person-detail": lambda j: {"pk": _sample_person(j).pk},
    "api:person-history": lambda j: {"pk": _sample_person(j).pk},
    "api:person-unmask": lambda j: {"pk": _sample_person(j).pk},
    "api:person-death": lambda j: {"pk": _sample_person(j).pk},
    "api:person-cancel": lambda j: {"pk": _sample_person(j).pk},
    "api:household-detail": lambda j: {"pk": _sample_household(j).pk},
    "api:residence-detail": lambda j: {"pk": _sample_person(j).residences.values_list("pk", flat=True).first()},
    "api:case-detail": lambda j: {"pk": _sample_case(j).pk},
    # every transition of the state machine: POST /api/v1/cases/{id}/{verb}/
    **{f"api:case-{verb.replace('_', '-')}": lambda j: {"pk": _sample_case(j).pk} for verb in CASE_VERBS},
    # Open311 (public routes: the same answer for everyone, see _outsider_problems)
    "open311:service": lambda j: {"service_code": "L0104"},
    "open311:request": lambda j: {"service_request_id": _sample_case(j).number},
    "open311:token": lambda j: {"token": _sample_case(j).number},
}


@pytest.fixture
def jinjiang(city: TestCity) -> Jinjiang:
    community = city.region("510104001001")
    grid = city.region("510104001001001")
    worker = city.users["grid_worker"]
    building = Building.objects.filter(region=grid).order_by("pk").first()
    assert building is not None
    # Written through the actions, so the audit trail holds a 锦江区 event as well.
    estate = places_actions.create_estate(city.users["community_worker"], region=community, name="锦江测试小区")
    unit = places_actions.create_unit(worker, building, number="9")
    house = House.objects.filter(building=building).order_by("pk").first()
    assert house is not None
    event = AuditEvent.objects.filter(verb="create_unit", region_path__startswith=grid.path).get()
    jinjiang_names = Region.objects.filter(path__startswith=city.region(JINJIANG).path).exclude(kind="grid")
    return Jinjiang(
        district=city.region(JINJIANG),
        subdistrict=city.region("510104001"),
        community=community,
        grid=grid,
        estate=estate,
        building=building,
        unit=unit,
        house=house,
        user=worker,
        assignment=Assignment.objects.get(user=worker),
        audit_event=event,
        markers=(JINJIANG, estate.name, *jinjiang_names.values_list("name", flat=True)),
    )


@pytest.fixture
def qingyang_admin(city: TestCity) -> User:
    """An administrator of 青羊区: every capability, none of 锦江区."""
    user = User.objects.create_user(username="qingyang_admin", password=None, display_name="qingyang_admin")
    district = city.region(QINGYANG)
    Assignment.objects.create(user=user, role=Role.ADMINISTRATOR, region=district, region_path=district.path)
    return user


def url_for(route: Route, jinjiang: Jinjiang) -> str:
    kwargs = SAMPLE_KWARGS[route.name](jinjiang) if route.params else {}
    if route.has_format:
        kwargs["format"] = "json"
    return reverse(route.name, kwargs=kwargs)


def probe_query(j: Jinjiang) -> str:
    """Filters a list route may honour, each pointing into 锦江区; the answer must still show none of it."""
    return (
        f"?q=网格&region={j.community.pk}&parent={j.district.pk}&building={j.building.pk}&unit={j.unit.pk}"
        f"&estate={j.estate.pk}&user={j.user.pk}"
    )


def client_as(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def fetch(client: Client, url: str, method: str = "get") -> HttpResponse | Exception:
    try:
        response: HttpResponse = getattr(client, method)(url)
    except Exception as exc:  # a view that raises is reported with the route, not as a crash of the test
        return exc
    return response


def describe(answer: HttpResponse | Exception) -> str:
    if isinstance(answer, Exception):
        return f"raised {type(answer).__name__}: {answer}"
    location = f" → {answer['Location']}" if answer.has_header("Location") else ""
    return f"answered {answer.status_code}{location}"


def fail_with(problems: list[str], heading: str) -> None:
    if problems:
        pytest.fail(heading + "\n  " + "\n  ".join(problems), pytrace=False)


# --- the tests -----------------------------------------------------------------------------------


def test_the_walk_finds_the_routes_we_know() -> None:
    names = {route.name for route in ROUTES}
    assert {"home", "accounts:login", "api:house-detail", "api:region-list", "api-schema"} <= names


def test_every_route_has_a_name() -> None:
    assert not UNNAMED, f"name these URL patterns (the protection test and PUBLIC_URL_NAMES use names): {UNNAMED}"


def test_every_parameterised_route_has_a_sample() -> None:
    problems = []
    for route in ROUTES:
        if route.params and route.name not in SAMPLE_KWARGS:
            params = ", ".join(sorted(route.params))
            problems.append(f"add {route.name} to SAMPLE_KWARGS in tests/test_route_protection.py ({params})")
    fail_with(sorted(set(problems)), "parameterised routes without a sample 锦江区 object:")


def test_the_samples_match_the_routes_parameters(jinjiang: Jinjiang) -> None:
    problems = []
    for route in ROUTES:
        if route.params and route.name in SAMPLE_KWARGS:
            given = set(SAMPLE_KWARGS[route.name](jinjiang))
            if given != route.params:
                problems.append(
                    f"SAMPLE_KWARGS[{route.name!r}] gives {sorted(given)}, the route takes {sorted(route.params)}"
                )
    stale = sorted(set(SAMPLE_KWARGS) - {route.name for route in ROUTES})
    problems += [f"SAMPLE_KWARGS has {name!r}, which is no longer a route: remove it" for name in stale]
    fail_with(problems, "SAMPLE_KWARGS is out of step with the URL patterns:")


def test_anonymous_is_sent_to_sign_in_or_refused_on_every_route_not_declared_public(jinjiang: Jinjiang) -> None:
    login_url = reverse(settings.LOGIN_URL)
    client = client_as(None)
    problems = []
    for route in ROUTES:
        if route.params and route.name not in SAMPLE_KWARGS:
            continue  # reported by test_every_parameterised_route_has_a_sample
        url = url_for(route, jinjiang)
        answer = fetch(client, url)
        if route.name in PUBLIC_URL_NAMES:
            if isinstance(answer, Exception) or answer.status_code >= 500:
                problems.append(f"{route} public route {url} {describe(answer)}")
            continue
        if route.is_api:
            ok = not isinstance(answer, Exception) and answer.status_code == 401
            expected = "401"
        else:
            ok = (
                not isinstance(answer, Exception)
                and answer.status_code == 302
                and answer["Location"].startswith(login_url)
            )
            expected = f"a redirect to {login_url}"
        if not ok:
            problems.append(
                f"{route}: anonymous GET {url} {describe(answer)}, expected {expected} "
                f"(or declare {route.name!r} in linli.core.middleware.PUBLIC_URL_NAMES if it is meant to be public)"
            )
    fail_with(problems, "routes reachable without signing in:")


def _outsider_problems(client: Client, who: str, jinjiang: Jinjiang, allowed: set[int]) -> list[str]:
    problems = []
    for route in ROUTES:
        if route.params and route.name not in SAMPLE_KWARGS:
            continue
        if route.name in PUBLIC_URL_NAMES:
            continue  # public by design (e.g. Open311's public cases): the same for everyone; 5xx checked below
        url = url_for(route, jinjiang)
        if route.params:
            # GET must not show the object; POST (an empty form) must not reach it either: a view
            # that checks scope on one method only is caught here. 405 reveals nothing.
            for method in ("get", "post"):
                answer = fetch(client, url, method)
                if isinstance(answer, Exception) or answer.status_code not in allowed | {405}:
                    problems.append(f"{route}: {who} {method.upper()} of a 锦江区 object at {url} {describe(answer)}")
            continue
        for probe in (url, url + probe_query(jinjiang)):
            answer = fetch(client, probe)
            if isinstance(answer, Exception) or answer.status_code >= 500:
                problems.append(f"{route}: {who} GET {probe} {describe(answer)}")
                continue
            text = answer.content.decode("utf-8", errors="replace")
            leaked = sorted({marker for marker in jinjiang.markers if marker in text})
            if leaked:
                problems.append(f"{route}: {who} GET {probe} shows 锦江区 data: {', '.join(leaked)}")
    return problems


def test_the_outsider_sees_nothing_of_another_district(city: TestCity, jinjiang: Jinjiang) -> None:
    problems = _outsider_problems(client_as(city.users["outsider"]), "the outsider", jinjiang, {403, 404})
    fail_with(problems, "the outsider (青羊区 district leader) reached 锦江区 data:")


def test_an_administrator_of_another_district_gets_404_for_every_object_outside_it(
    jinjiang: Jinjiang, qingyang_admin: User
) -> None:
    problems = _outsider_problems(client_as(qingyang_admin), "the 青羊区 administrator", jinjiang, {404})
    fail_with(problems, "an administrator of 青羊区 reached 锦江区 data (every object outside scope must be 404):")


def test_no_route_answers_5xx_to_any_role(city: TestCity, jinjiang: Jinjiang, qingyang_admin: User) -> None:
    users: dict[str, User | None] = {"anonymous": None, **city.users, "qingyang_admin": qingyang_admin}
    problems = []
    for who, user in users.items():
        client = client_as(user)
        for route in ROUTES:
            if route.params and route.name not in SAMPLE_KWARGS:
                continue
            url = url_for(route, jinjiang)
            answer = fetch(client, url)
            if isinstance(answer, Exception) or answer.status_code >= 500:
                problems.append(f"{route}: {who} GET {url} {describe(answer)}")
    fail_with(problems, "routes that fail (5xx or an exception):")
