"""aka-client: a typed Python client of aka's native API (`/v1`).

    from aka_client import connect
    from aka_client.api.profiles import create_profile
    from aka_client.models import CreateProfileIn

    with connect("http://127.0.0.1:8000", "aka_dev_admin_key") as aka:
        profile = create_profile.sync(client=aka, body=CreateProfileIn(external_id="user-42"))

One module per route in `aka_client.api.<tag>`, each with `sync`, `asyncio` and their
`_detailed` forms (status and headers too); the models in `aka_client.models`. Both are
generated from aka's OpenAPI document (`make client`); this package's other modules are
written by hand: `connection` (`connect`), `problems` (the exceptions), `retry`.
"""

from aka_client.client import AuthenticatedClient
from aka_client.connection import VERSION, connect
from aka_client.problems import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ProblemError,
    RateLimitedError,
    RetryLaterError,
    ServerError,
    TooLargeError,
    UnauthenticatedError,
    UnavailableError,
    UnprocessableError,
    UnsupportedMediaTypeError,
)
from aka_client.retry import Retry
from aka_client.types import UNSET, Response, Unset

__version__ = VERSION

__all__ = [
    "UNSET",
    "AuthenticatedClient",
    "ConflictError",
    "ForbiddenError",
    "NotFoundError",
    "ProblemError",
    "RateLimitedError",
    "Response",
    "Retry",
    "RetryLaterError",
    "ServerError",
    "TooLargeError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnprocessableError",
    "Unset",
    "UnsupportedMediaTypeError",
    "__version__",
    "connect",
]
