"""`POST /v1/batch`: many operations, one transaction, one result each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aka.core.errors import AkaError, Code
from aka.core.ports import Transaction
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
from aka.service import bulk, identities, merges
from aka.service.bulk import SLOW, Wants
from aka.service.identities import LinkOutcome

Work = Callable[[Transaction], BatchResultOut]


def _operation(op: Operation, who: Principal) -> Work:
    actor = who.key_id
    if isinstance(op, LinkOp):
        target = op.profile.ref() if op.profile else None
        item = op.identifier.new()

        def link(tx: Transaction) -> BatchResultOut:
            r = identities.link(tx, target, item, actor=actor, field_prefix="identifier")
            status = 200 if r.outcome is LinkOutcome.EXISTING else 201
            return BatchResultOut(status, profile_out(r.profile), r.merge_id)

        return link
    if isinstance(op, UnlinkOp):
        key = op.identifier

        def unlink(tx: Transaction) -> BatchResultOut:
            identities.unlink(tx, key.namespace, key.value, actor=actor)
            return BatchResultOut(204)

        return unlink
    if isinstance(op, IdentifyOp):
        ref, external_id = op.profile.ref(), op.external_id
        return lambda tx: BatchResultOut(
            200, profile_out(identities.identify(tx, ref, external_id, actor=actor))
        )
    if isinstance(op, MergeOp):
        keep, gone, force = op.keep.ref(), op.merge.ref(), op.force

        def merge(tx: Transaction) -> BatchResultOut:
            require_scopes(who, [Scope.MERGE])
            done = merges.merge(tx, keep, gone, force=force, actor=actor)
            return BatchResultOut(201, profile_out(done.profile), done.merge_id)

        return merge
    assert isinstance(op, CreateOp)
    body = op
    return lambda tx: BatchResultOut(
        201,
        profile_out(
            identities.create_profile(
                tx,
                external_id=body.external_id,
                attributes=body.attributes,
                identifiers=[i.new() for i in body.identifiers],
                actor=actor,
            )
        ),
    )


def _wants(op: Operation) -> Wants:
    """What a link or create will look up, so a whole window is prefetched at once."""
    if isinstance(op, LinkOp):
        ref = op.profile
        return Wants(
            identifiers=[(op.identifier.namespace, op.identifier.value)]
            + ([(ref.namespace, ref.value)] if ref and ref.namespace is not None else []),
            profile_ids=[ref.profile_id] if ref and ref.profile_id else [],
            external_ids=[ref.external_id] if ref and ref.external_id is not None else [],
        )
    if isinstance(op, CreateOp):
        return Wants(
            identifiers=[(i.namespace, i.value) for i in op.identifiers],
            external_ids=[op.external_id] if op.external_id is not None else [],
        )
    return SLOW


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
        work = [_operation(op, who) for op in ops]
        wants = [_wants(op) for op in ops]
        results = await rt.write(
            who.workspace_id, lambda tx: bulk.run_all(tx, work, wants), operations=len(ops)
        )
        return BatchOut(
            [r if isinstance(r, BatchResultOut) else _failed(n, r) for n, r in enumerate(results)]
        )
