"""Coveo file containers served by aka itself: `POST /files` and the upload URL.

The upload declares no body for the typed layer to buffer (`own_body`): a 256 MB file
is streamed into the store in 1 MiB chunks, each in its own short transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from aka.core.errors import AkaError, Code
from aka.core.ports import Transaction
from aka.engine.runtime import Runtime
from aka.http.routing import RawBody, RequestContext, RouteGroup
from aka.security.auth import Principal
from aka.security.keys import Scope
from aka.service import files

UPLOAD_PREFIX = "/push/v1/files"
UPLOAD_PATH = UPLOAD_PREFIX + "/{workspace}/{fileId}"
REQUIRED_HEADERS = {"Content-Type": "application/octet-stream"}


class OrgPath(msgspec.Struct):
    organizationId: str  # noqa: N815


class UploadPath(msgspec.Struct):
    workspace: str
    fileId: str  # noqa: N815


class UploadQuery(msgspec.Struct):
    token: str  # the upload URI's own: it alone authorises the upload


class FileOut(msgspec.Struct):
    uploadUri: str  # noqa: N815
    fileId: str  # noqa: N815
    requiredHeaders: dict[str, str]  # noqa: N815


def register(group: RouteGroup, rt: Runtime) -> None:
    @group.post(
        "/{organizationId}/files",
        path_params=OrgPath,
        response=FileOut,
        status=201,
        scopes=(Scope.WRITE,),
        tags=("coveo",),
        summary="Create a file container (60 minutes, 256 MB) for a batch file",
    )
    async def create_file(ctx: RequestContext[None, None, OrgPath]) -> FileOut:
        who = ctx.auth
        assert isinstance(who, Principal)
        now = datetime.now(UTC)
        record, token = await rt.write_unit(who.workspace_id, lambda tx: files.create(tx, now))
        base = str(ctx.request.base_url).rstrip("/")
        path = UPLOAD_PATH.format(workspace=who.workspace_id, fileId=record.id)
        return FileOut(f"{base}{path}?token={token}", record.id, dict(REQUIRED_HEADERS))


def register_upload(group: RouteGroup, rt: Runtime) -> None:
    """`PUT {uploadUri}` on a group without keys: the URI's token authorises."""

    @group.put(
        "/{workspace}/{fileId}",
        path_params=UploadPath,
        query=UploadQuery,
        own_body=RawBody("application/octet-stream", {"type": "string", "format": "binary"}),
        errors=(403, 404, 413),
        tags=("coveo",),
        operation_id="upload_file",
        summary="Upload a batch file to a container's uploadUri (no key: its token)",
        description="The body (at most 256 MB) is the batch file; it is stored as it "
        "streams in. A wrong token: 403; an expired or unknown container: 404.",
    )
    async def upload(ctx: RequestContext[None, UploadQuery, UploadPath]) -> Response:
        return await _receive(rt, ctx.request, ctx.path.workspace, ctx.path.fileId, ctx.query)


def _too_large() -> AkaError:
    return AkaError(
        Code.BODY_TOO_LARGE,
        f"a file may hold at most {files.MAX_BYTES} bytes",
        details={"limit_bytes": files.MAX_BYTES},
    )


async def _receive(
    rt: Runtime, request: Request, workspace: str, file_id: str, query: UploadQuery
) -> Response:
    now = datetime.now(UTC)
    await rt.read(workspace, lambda tx: files.writable(tx, file_id, query.token, now), primary=True)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > files.MAX_BYTES:
        raise _too_large()

    async def write(n: int, data: bytes) -> None:
        await rt.write_unit(workspace, lambda tx: tx.files.write_chunk(file_id, n, data))

    pending = bytearray()
    size = n = 0
    async for part in request.stream():
        size += len(part)
        if size > files.MAX_BYTES:
            await write(0, b"")  # drop what was stored: the container stays empty
            raise _too_large()
        pending += part
        while len(pending) >= files.CHUNK_BYTES:
            await write(n, bytes(pending[: files.CHUNK_BYTES]))
            del pending[: files.CHUNK_BYTES]
            n += 1
    if pending or n == 0:
        await write(n, bytes(pending))

    def finish(tx: Transaction) -> Any:
        tx.files.finish(file_id, size)

    await rt.write_unit(workspace, finish)
    return Response(status_code=200)
