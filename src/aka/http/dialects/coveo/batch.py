"""`PUT .../permissions/batch?fileId=`: a stored batch file applied as a background job
(`coveo.batch`), each item exactly as the single-identity routes apply it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec

from aka.core.errors import AkaError, Code
from aka.core.ports import JobRecord, Store, Transaction
from aka.engine.job_worker import JobKind
from aka.engine.runtime import Runtime
from aka.http.dialects.coveo.wire import (
    DeleteIn,
    MappingsIn,
    OrgProviderPath,
    PermissionsIn,
    now_ms,
)
from aka.http.input_rules import Int64, check_json_value
from aka.http.problems import invalid_body
from aka.http.routing import RequestContext, RouteGroup
from aka.security.auth import Principal
from aka.security.keys import Scope
from aka.service import batch_file, files, jobs
from aka.service import security_identities as identities
from aka.service.security_identities import Identity

KIND = "coveo.batch"


class BatchQuery(msgspec.Struct):
    fileId: str  # noqa: N815
    orderingId: Int64 | None = None  # noqa: N815


def register(group: RouteGroup, rt: Runtime) -> None:
    @group.put(
        "/{organizationId}/providers/{providerId}/permissions/batch",
        query=BatchQuery,
        path_params=OrgProviderPath,
        status=202,
        scopes=(Scope.WRITE,),
        errors=(404,),
        tags=("coveo",),
        summary="Apply an uploaded batch file as a background job",
        description="The answer's `Location` header names the job: `GET /v1/jobs/{id}`.",
    )
    async def apply_batch(ctx: RequestContext[None, BatchQuery, OrgProviderPath]) -> Any:
        who, q = ctx.auth, ctx.query
        assert isinstance(who, Principal)
        now = datetime.now(UTC)
        params = {
            "workspace": who.workspace_id,
            "file_id": q.fileId,
            "provider": ctx.path.providerId,
            "ordering_id": q.orderingId if q.orderingId is not None else now_ms(),
            "actor": who.key_id,
        }

        def work(tx: Transaction) -> JobRecord:
            files.uploaded(tx, q.fileId, now)
            return jobs.create(tx, KIND, params, now)

        job = await rt.write_unit(who.workspace_id, work)
        ctx.set_header("Location", f"/v1/jobs/{job.id}")
        return {}


def _chunks(store: Store, workspace: str, file_id: str) -> Iterator[bytes]:
    n = 0
    while True:
        with store.transaction(workspace, write=False) as tx:
            chunk = tx.files.chunk(file_id, n)
        if chunk is None:
            return
        yield chunk
        n += 1


def _items(store: Store, job: JobRecord) -> Iterator[tuple[str, Any]]:
    p = job.params
    return batch_file.items(_chunks(store, str(p["workspace"]), str(p["file_id"])))


class _Put(Protocol):
    """`put_permissions` or `put_mappings`."""

    def __call__(
        self,
        tx: Transaction,
        identity: Identity,
        items: Sequence[Identity],
        well_knowns: Sequence[Identity],
        ordering_id: int,
        /,
        *,
        actor: str | None,
    ) -> bool: ...


# A batch file's push sections: each item is the body of the matching single request.
_PUSHES: dict[str, tuple[type[PermissionsIn] | type[MappingsIn], _Put]] = {
    "members": (PermissionsIn, identities.put_permissions),
    "mappings": (MappingsIn, identities.put_mappings),
}


def _apply(tx: Transaction, job: JobRecord, section: str, item: Any) -> None:
    p = job.params
    provider, ordering, actor = str(p["provider"]), int(p["ordering_id"]), p.get("actor")
    check_json_value(item)  # a file is input too: the rules every request obeys
    try:
        if section in _PUSHES:
            shape, put = _PUSHES[section]
            body = msgspec.convert(item, shape)
            put(tx, *body.pushed(provider), ordering, actor=actor)
        elif section == "deleted":
            d = msgspec.convert(item, DeleteIn)
            identities.disable(tx, d.identity.identity(provider, "identity"), ordering, actor=actor)
        else:
            raise AkaError(Code.INVALID_INPUT, f"unknown section {section!r}")
    except msgspec.ValidationError as error:
        raise invalid_body(error) from None


def _done(tx: Transaction, job: JobRecord) -> None:
    tx.files.remove(str(job.params["file_id"]))  # applied: the container is spent


BATCH_JOB = JobKind(items=_items, apply=_apply, done=_done)
