"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "b4f73cdab6687c7c1df3f3f5735e27f782649523cf146c1d917444da336e3523"
