"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "8205c8481a72023846319fc883b73ce394b24dccc46e01cdb6f8caeb235d5f75"
