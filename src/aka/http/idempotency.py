"""`Idempotency-Key`: a retried write replays its first answer instead of redoing it.

The key's first successful answer is stored in the same transaction as the work it
answers, so either both commit or neither does: a crash can never leave work done but
unrecorded (a retry would redo it) or recorded but undone. Writers of a workspace are
serialised (docs/adr/0004), so a concurrent retry waits for the first and then replays.
Only 2xx answers are kept: a refused request changed nothing and may simply be retried.

A dry run (ADR 0023) with a key: the key's form is checked, and that is all. Its answer
is not stored (it wrote nothing, and a retry of the real call must do the work) and no
stored answer is replayed (a preview says what the work would do now), so previewing
with the key the real call will carry neither uses the key up nor is answered by it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from aka.core.errors import AkaError, Code
from aka.core.ports import StoredAnswer
from aka.engine.runtime import Runtime
from aka.http.consistency import SEQ_NAME
from aka.http.interceptors import Answer, Call, Interceptor, Proceed
from aka.security.auth import Principal

HEADER = "idempotency-key"
KEY_MAX = 255
REPLAYED = "idempotent-replayed"
# Headers worth replaying; hop-by-hop and per-answer ones (rate limits) are not. The
# write's `Aka-Seq` is: a client retrying a write it never heard back from needs it.
_KEPT = frozenset({b"content-type", b"location", SEQ_NAME})
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_fingerprint(call: Call) -> str:
    """What makes two requests "the same": method, path, query and body bytes."""
    scope = call.request.scope
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode()):
        digest.update(part.encode() + b"\0")
    digest.update(call.body or b"")
    if isinstance(call.auth, Principal) and call.auth.namespaces.limited:
        # Answers are stored per workspace: a key limited to namespaces must not replay
        # one made for a key that sees more (ADR 0026). Unlimited keys' fingerprints
        # stay as they were, so answers stored before keep replaying.
        limit = "\0".join(call.auth.namespaces.patterns or ())
        digest.update(b"\0namespaces\0" + limit.encode())
    return digest.hexdigest()


def _valid_key(raw: str) -> str:
    if not 1 <= len(raw) <= KEY_MAX or not raw.isascii() or not raw.isprintable():
        raise AkaError(
            Code.IDEMPOTENCY_KEY_INVALID,
            f"Idempotency-Key must be 1 to {KEY_MAX} printable ASCII characters",
            field="Idempotency-Key",
        )
    return raw


PURGE_EVERY = timedelta(minutes=1)


def idempotency_interceptor(rt: Runtime) -> Interceptor:
    ttl = timedelta(seconds=rt.settings.idempotency_ttl_seconds)
    last_purge: dict[str, datetime] = {}  # per workspace, in this process

    async def intercept(call: Call, proceed: Proceed) -> Answer:
        raw = call.request.headers.get(HEADER)
        if raw is None or call.route.method in _READS:
            return await proceed()
        try:
            key = _valid_key(raw)
        except AkaError as error:
            return call.render(error)
        if call.dry_run:
            return await proceed()
        assert isinstance(call.auth, Principal)
        fingerprint = request_fingerprint(call)
        async with rt.transaction(call.auth.workspace_id) as tx:
            now = datetime.now(UTC)
            stored = await rt.call(tx.answers.get, key, now)
            if stored is not None:
                if stored.request_hash != fingerprint:
                    return call.render(
                        AkaError(
                            Code.IDEMPOTENCY_KEY_REUSED,
                            "this Idempotency-Key was used for a different request "
                            f"(first seen {stored.created_at:%Y-%m-%dT%H:%M:%SZ}); use a new key",
                            field="Idempotency-Key",
                        )
                    )
                return _replay(stored)
            answer = await proceed()
            if 200 <= answer.status < 300:
                record = StoredAnswer(
                    request_hash=fingerprint,
                    status=answer.status,
                    headers=[
                        (n.decode("latin-1"), v.decode("latin-1"))
                        for n, v in answer.headers
                        if n in _KEPT
                    ],
                    body=answer.content,
                    created_at=now,
                    expires_at=now + ttl,
                )
                await rt.call(tx.answers.put, key, record)
                # Expired answers are forgotten lazily, at most once a minute per process.
                if (
                    now - last_purge.get(tx.workspace_id, datetime.min.replace(tzinfo=UTC))
                    > PURGE_EVERY
                ):
                    last_purge[tx.workspace_id] = now
                    await rt.call(tx.answers.purge, now)
            return answer

    return intercept


def _replay(stored: StoredAnswer) -> Answer:
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in stored.headers]
    headers.append((b"content-length", str(len(stored.body)).encode()))
    headers.append((REPLAYED.encode(), b"true"))
    return Answer(stored.status, stored.body, headers)
