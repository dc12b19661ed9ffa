"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "5dde0a9fdd39c317efaa84602d11be6901f022e1d2d8bdb1cb8aab5fb2c30204"
