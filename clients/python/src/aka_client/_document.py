"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "fce1efefdac8bde36468297b74f810dba2735023ba0e802ab7223b2dc7f1c1b6"
