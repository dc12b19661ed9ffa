"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "5160deb4ff9810b54b984b2a937d908aa6855ad697c1fb942a30b31d2bb359d9"
