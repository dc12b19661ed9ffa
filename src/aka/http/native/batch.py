"""`POST /v1/batch`: many operations, one transaction, one result each."""

from __future__ import annotations

from typing import Any

from aka.core.errors import AkaError, Code
from aka.core.model import ResolvedProfile
from aka.engine.runtime import Runtime
from aka.http.native.common import principal
from aka.http.native.schemas import (
    BatchIn,
    BatchOut,
    BatchResultOut,
    CreateOp,
    IdentifyOp,
    LinkOp,
    MergeOp,
    Operation,
    UnlinkOp,
    profile_out,
)
from aka.http.problems import problem_body, problem_from_error
from aka.http.routing import RequestContext, RouteGroup
from aka.security.auth import Principal, require_scopes
from aka.security.keys import Scope
from aka.service.commands import Command, Refuse
from aka.service.graph_commands import CreateProfile, Identify, Link, Merge, Unlink
from aka.service.identities import LinkOutcome, LinkResult
from aka.service.merges import MergeResult


def _command(op: Operation, who: Principal) -> Command[object]:
    """The command an operation asks for."""
    actor = who.key_id
    if isinstance(op, LinkOp):
        target = op.profile.ref() if op.profile else None
        return Link(target, op.identifier.new(), actor, field_prefix="identifier")
    if isinstance(op, UnlinkOp):
        return Unlink(op.identifier.namespace, op.identifier.value, actor)
    if isinstance(op, IdentifyOp):
        return Identify(op.profile.ref(), op.external_id, actor)
    if isinstance(op, MergeOp):
        try:
            require_scopes(who, [Scope.MERGE])
        except AkaError as refused:
            return Refuse(refused)  # this operation only: the others still run
        return Merge(op.keep.ref(), op.merge.ref(), force=op.force, actor=actor)
    assert isinstance(op, CreateOp)
    items = [i.new() for i in op.identifiers]
    return CreateProfile(op.external_id, op.attributes, items, actor=actor)


def _result(op: Operation, outcome: object) -> BatchResultOut:
    """An operation's outcome as its result in the answer."""
    if isinstance(outcome, LinkResult):
        status = 200 if outcome.outcome is LinkOutcome.EXISTING else 201
        return BatchResultOut(status, profile_out(outcome.profile), outcome.merge_id)
    if isinstance(outcome, MergeResult):
        return BatchResultOut(201, profile_out(outcome.profile), outcome.merge_id)
    if isinstance(op, UnlinkOp):
        return BatchResultOut(204)
    assert isinstance(outcome, ResolvedProfile)
    return BatchResultOut(200 if isinstance(op, IdentifyOp) else 201, profile_out(outcome))


def _failed(n: int, error: AkaError) -> BatchResultOut:
    located = error.at(f"operations[{n}]")
    problem = problem_from_error(located)
    body: dict[str, Any] = problem_body(problem)
    return BatchResultOut(problem.status, problem=body)


def register(group: RouteGroup, rt: Runtime) -> None:
    limit = rt.settings.batch_max_operations

    @group.post(
        "/batch",
        body=BatchIn,
        response=BatchOut,
        dry_run=True,
        scopes=(Scope.WRITE,),
        tags=("batch",),
        # A batch of 10,000 operations is a few MB: its own bound, not every route's.
        max_body_bytes=rt.settings.batch_max_body_bytes,
        summary=f"Run up to {limit:,} operations in one transaction",
        description="Operations: `link`, `unlink`, `identify`, `merge` (needs the "
        "`identities:merge` scope), `create`. They run in order in one transaction; each "
        "gets its own result (`status` plus `profile`, or `problem`), and a refused "
        "operation does not stop the others. Links and creates are looked up and written "
        "many rows per statement.",
    )
    async def run_batch(ctx: RequestContext[BatchIn, None, None]) -> BatchOut:
        who, ops = principal(ctx.auth), ctx.body.operations
        if len(ops) > limit:
            raise AkaError(
                Code.TOO_MANY_OPERATIONS,
                f"a batch holds at most {limit} operations; this one has {len(ops)}",
                field="operations",
                details={"limit": limit, "actual": len(ops)},
            )
        outcomes = await rt.write(who.workspace_id, [_command(op, who) for op in ops])
        return BatchOut(
            [
                _failed(n, outcome) if isinstance(outcome, AkaError) else _result(op, outcome)
                for n, (op, outcome) in enumerate(zip(ops, outcomes, strict=True))
            ]
        )
