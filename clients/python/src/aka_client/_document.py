"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "8d5100add91c5b8db779d500662a0417e00f5db257eaf052dd850226ac31bdfa"
