"""Tree management pages (Capability.MANAGE_TREE): create, rename, move, merge, split regions,
see the tree as it stood on a past date, and the coverage report of a region.

Every change is one call to a places action (linli.places.actions); a refusal
(``ActionError``) is shown next to the field it names and nothing is changed. Regions are
fetched with ``get_visible_or_404``, so another district's region answers 404.

History: the tree on date D is ``tree_as_of(D)``, filtered to the administrator's scope by each
version's path on that date (what was in their subtree then).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.accounts.models import User
from linli.accounts.roles import Capability
from linli.core.actions import ActionError
from linli.core.permissions import capability_required
from linli.core.scope import get_visible_or_404, minimal_prefixes, path_in_scope, scope_paths
from linli.places.actions import create_region, merge_regions, move_region, rename_region, split_region
from linli.places.coverage import coverage_report
from linli.places.forms import (
    HistoryDateForm,
    RegionCreateForm,
    RegionMergeForm,
    RegionMoveForm,
    RegionRenameForm,
    RegionSplitForm,
    TreeForm,
)
from linli.places.models import Region, tree_as_of

# Levels shown below the focused region; deeper nodes are reached by focusing a node.
TREE_DEPTH = 3
REGION_DATALIST_LIMIT = 1000

tree_manager_required = capability_required(Capability.MANAGE_TREE, message=gettext_lazy("您没有调整区域树的权限。"))


def _region_or_404(user: User, pk: int) -> Region:
    region: Region = get_visible_or_404(Region.objects.all(), user, pk=pk)
    return region


@dataclasses.dataclass
class TreeNode:
    item: Any  # a Region, or a RegionVersion for the history view
    children: list[TreeNode] = dataclasses.field(default_factory=list)


def nest_by_path(items: Iterable[Any]) -> list[TreeNode]:
    """Nest tree rows: each row goes under the nearest row whose path prefixes its own."""
    roots: list[TreeNode] = []
    stack: list[TreeNode] = []
    for item in sorted(items, key=lambda i: i.path):
        node = TreeNode(item)
        while stack and not item.path.startswith(stack[-1].item.path):
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def nest_by_parent(versions: Iterable[Any]) -> list[TreeNode]:
    """Nest region versions by ``parent_region_id`` (historical paths may have been rewritten since)."""
    rows = sorted(versions, key=lambda v: (v.path, v.code))
    nodes = {v.region_id: TreeNode(v) for v in rows}
    roots: list[TreeNode] = []
    for v in rows:
        parent = nodes.get(v.parent_region_id) if v.parent_region_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[v.region_id])
    return roots


def _history(user: User, day: date) -> list[TreeNode]:
    prefixes = scope_paths(user)
    versions = [v for v in tree_as_of(day) if path_in_scope(v.path, prefixes)]
    return nest_by_parent(versions)


@tree_manager_required
def tree_index(request: HttpRequest) -> HttpResponse:
    """区域树管理 — the administrator's subtree (focus any node with ?root=pk), or its past state."""
    user = User.from_request(request)
    date_form = HistoryDateForm(request.GET or None)
    day = date_form.cleaned_data.get("day") if date_form.is_bound and date_form.is_valid() else None
    focus: Region | None = None
    if request.GET.get("root"):
        focus = _region_or_404(user, int(request.GET["root"]) if request.GET["root"].isdigit() else 0)
    context: dict[str, Any] = {"date_form": date_form, "day": day, "focus": focus}
    if day is not None:
        context["history"] = _history(user, day)
    else:
        prefixes = [focus.path] if focus is not None else minimal_prefixes(scope_paths(user))
        regions: list[Region] = []
        for prefix in prefixes:
            top = len(prefix) // Region.steplen
            regions += Region.objects.filter(path__subtree=prefix, depth__lte=top + TREE_DEPTH)
        context["tree"] = nest_by_path(regions)
        if focus is not None:
            context["ancestors"] = [
                a for a in Region.objects.get_ancestors(focus) if path_in_scope(a.path, scope_paths(user))
            ]
    return render(request, "places/tree/index.html", context)


def _region_codes(user: User, region: Region | None = None) -> list[tuple[str, str]]:
    """Suggestions for the code fields: the region's siblings, then the levels above grids."""
    visible = Region.objects.visible_to(user)
    siblings: list[tuple[str, str]] = []
    if region is not None and region.depth > 1:
        parent_path = region.path[: -Region.steplen]
        siblings = list(
            visible.filter(path__subtree=parent_path, depth=region.depth)
            .exclude(pk=region.pk)
            .values_list("code", "name")[:REGION_DATALIST_LIMIT]
        )
    upper = visible.exclude(kind="grid").values_list("code", "name")[:REGION_DATALIST_LIMIT]
    seen = {code for code, _name in siblings}
    return siblings + [(code, name) for code, name in upper if code not in seen]


def _run_form(
    request: HttpRequest,
    form: TreeForm,
    perform: Callable[[dict[str, Any]], Any],
    *,
    template: str,
    success: Callable[[Any], str],
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Validate, call the action, show its refusal beside the field or redirect with a message."""
    if request.method == "POST" and form.is_valid():
        try:
            result = perform(form.cleaned_data)
        except ActionError as error:
            form.add_action_error(error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("您没有权限执行该操作。"))
        else:
            messages.success(request, success(result))
            target = result if isinstance(result, Region) else form.region
            if target is not None and Region.objects.filter(pk=target.pk).exists():
                return redirect(f"{_tree_url()}?root={target.pk}")
            return redirect("tree:index")
    status = 400 if request.method == "POST" else 200
    ctx = {
        "form": form,
        "region": form.region,
        "region_codes": _region_codes(form.user, form.region),
        **(context or {}),
    }
    return render(request, template, ctx, status=status)


def _tree_url() -> str:
    return reverse("tree:index")


@tree_manager_required
def tree_create(request: HttpRequest) -> HttpResponse:
    user = User.from_request(request)
    parent_pk = request.GET.get("parent", "")
    parent = _region_or_404(user, int(parent_pk)) if parent_pk.isdigit() else None
    form = RegionCreateForm(request.POST or None, user=user, region=parent)

    def perform(data: dict[str, Any]) -> Region:
        return create_region(
            user,
            parent=data["parent"],
            kind=data["kind"],
            code=data["code"].strip(),
            name=data["name"].strip(),
            boundary=data["boundary"],
            on=data["on"],
        )

    return _run_form(
        request,
        form,
        perform,
        template="places/tree/form.html",
        success=lambda r: _("已新建区域“%(n)s”（%(c)s）。") % {"n": r.name, "c": r.code},
        context={"title": _("新建区域"), "parent": parent},
    )


@tree_manager_required
def tree_rename(request: HttpRequest, pk: int) -> HttpResponse:
    user = User.from_request(request)
    region = _region_or_404(user, pk)
    form = RegionRenameForm(request.POST or None, user=user, region=region, initial={"name": region.name})

    def perform(data: dict[str, Any]) -> Region:
        rename_region(user, region, name=data["name"].strip(), on=data["on"])
        return region

    return _run_form(
        request,
        form,
        perform,
        template="places/tree/form.html",
        success=lambda r: _("已改名为“%(n)s”。") % {"n": form.cleaned_data["name"].strip()},
        context={"title": _("区域改名")},
    )


@tree_manager_required
def tree_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = User.from_request(request)
    region = _region_or_404(user, pk)
    form = RegionMoveForm(request.POST or None, user=user, region=region)

    def perform(data: dict[str, Any]) -> Region:
        move_region(
            user,
            region,
            new_parent=data["new_parent"],
            new_code=(data["new_code"] or "").strip() or None,
            on=data["on"],
        )
        return region

    return _run_form(
        request,
        form,
        perform,
        template="places/tree/form.html",
        success=lambda r: (
            _("已把“%(n)s”迁到“%(p)s”下。") % {"n": region.name, "p": form.cleaned_data["new_parent"].name}
        ),
        context={"title": _("迁移区域")},
    )


@tree_manager_required
def tree_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = User.from_request(request)
    region = _region_or_404(user, pk)
    form = RegionMergeForm(request.POST or None, user=user, region=region)

    def perform(data: dict[str, Any]) -> Region:
        target: Region = data["into"]
        merge_regions(user, region, into=target, on=data["on"])
        return target

    return _run_form(
        request,
        form,
        perform,
        template="places/tree/form.html",
        success=lambda r: _("已把“%(n)s”并入“%(t)s”。") % {"n": region.name, "t": r.name},
        context={
            "title": _("合并区域"),
            "confirm": _(
                "确定把“%(n)s”（%(c)s）并入所填区域吗？它的下级区域、楼栋和授权都将转到目标区域，"
                "“%(n)s”本身将被撤销（历史沿革保留）。"
            )
            % {"n": region.name, "c": region.code},
        },
    )


@tree_manager_required
def tree_split(request: HttpRequest, pk: int) -> HttpResponse:
    user = User.from_request(request)
    region = _region_or_404(user, pk)
    form = RegionSplitForm(request.POST or None, user=user, region=region)

    def perform(data: dict[str, Any]) -> Region:
        return split_region(
            user,
            region,
            new_code=data["new_code"].strip(),
            new_name=data["new_name"].strip(),
            children=list(data.get("children") or ()),
            buildings=list(data.get("buildings") or ()),
            boundary=data["boundary"],
            on=data["on"],
        )

    return _run_form(
        request,
        form,
        perform,
        template="places/tree/form.html",
        success=lambda r: _("已从“%(n)s”拆分出“%(t)s”（%(c)s）。") % {"n": region.name, "t": r.name, "c": r.code},
        context={
            "title": _("拆分区域"),
            "confirm": _("确定从“%(n)s”拆分出新区域吗？所选下级区域和楼栋将转到新区域。") % {"n": region.name},
        },
    )


@tree_manager_required
def tree_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    """覆盖情况 — houses and buildings in no grid, and buildings outside their grid's polygon."""
    user = User.from_request(request)
    region = _region_or_404(user, pk)
    report = coverage_report(region)
    return render(request, "places/tree/coverage.html", {"region": region, "report": report})
