"""`PUT .../permissions/batch?fileId=`: a stored batch file applied as a background job
(`coveo.batch`), each item the command the single-identity routes run for its body."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import msgspec

from aka.core import consistency
from aka.core.errors import AkaError, Code
from aka.core.namespace_scope import NamespaceScope
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
from aka.service.commands import Command
from aka.service.namespace_limits import scoped_command

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
            # The key's namespace limit holds for the job's items too (ADR 0026): the
            # worker runs them outside the request.
            "namespaces": who.namespaces.to_json(),
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
        # The primary: a file just uploaded may not be on a read replica yet.
        with consistency.on_primary(), store.transaction(workspace, write=False) as tx:
            chunk = tx.files.chunk(file_id, n)
        if chunk is None:
            return
        yield chunk
        n += 1


def _items(store: Store, job: JobRecord) -> Iterator[tuple[str, Any]]:
    p = job.params
    return batch_file.items(_chunks(store, str(p["workspace"]), str(p["file_id"])))


# A file's sections and the body each item of it is (as the single-identity routes').
_SECTIONS: dict[str, type[PermissionsIn | MappingsIn | DeleteIn]] = {
    "members": PermissionsIn,
    "mappings": MappingsIn,
    "deleted": DeleteIn,
}


def _command(job: JobRecord, section: str, item: Any) -> Command[Any]:
    p = job.params
    check_json_value(item)  # a file is input too: the rules every request obeys
    body = _SECTIONS.get(section)
    if body is None:
        raise AkaError(Code.INVALID_INPUT, f"unknown section {section!r}")
    try:
        decoded = msgspec.convert(item, body)
    except msgspec.ValidationError as error:
        raise invalid_body(error) from None
    command = decoded.command(str(p["provider"]), int(p["ordering_id"]), p.get("actor"))
    return scoped_command(command, NamespaceScope.of(p.get("namespaces")))


def _done(tx: Transaction, job: JobRecord) -> None:
    tx.files.remove(str(job.params["file_id"]))  # applied: the container is spent


BATCH_JOB = JobKind(items=_items, command=_command, done=_done)
