"""Coveo file containers served by aka itself: `POST /files` and the upload URL.

The upload is a raw Starlette route: the typed layer buffers bodies, and a 256 MB file
must be streamed into the store in 1 MiB chunks, each in its own short transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from aka.core.errors import AkaError, Code
from aka.core.ports import Transaction
from aka.engine.runtime import Runtime
from aka.http.dialects.coveo.wire import render_error
from aka.http.input_rules import check_parameters
from aka.http.problems import problem_from_error
from aka.http.routing import RequestContext, RouteGroup
from aka.security.auth import Principal
from aka.security.keys import Scope
from aka.service import files

UPLOAD_PATH = "/push/v1/files/{workspace}/{fileId}"
REQUIRED_HEADERS = {"Content-Type": "application/octet-stream"}


class OrgPath(msgspec.Struct):
    organizationId: str  # noqa: N815


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


def upload_route(rt: Runtime) -> StarletteRoute:
    async def upload(request: Request) -> Response:
        workspace = request.path_params["workspace"]
        file_id = request.path_params["fileId"]
        try:
            # A raw route: the typed layer's parameter rule is applied here by hand.
            check_parameters(request.path_params.items(), "path")
            check_parameters(request.query_params.multi_items(), "query")
            return await _receive(rt, request, workspace, file_id)
        except AkaError as error:
            return render_error(problem_from_error(error), request)
        except ClientDisconnect:
            return Response(status_code=400)

    return StarletteRoute(UPLOAD_PATH, upload, methods=["PUT"], include_in_schema=False)


def _too_large() -> AkaError:
    return AkaError(
        Code.BODY_TOO_LARGE,
        f"a file may hold at most {files.MAX_BYTES} bytes",
        details={"limit_bytes": files.MAX_BYTES},
    )


async def _receive(rt: Runtime, request: Request, workspace: str, file_id: str) -> Response:
    token = request.query_params.get("token", "")
    now = datetime.now(UTC)
    await rt.read(workspace, lambda tx: files.writable(tx, file_id, token, now))
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
