"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "85fa4f114a4b30e508e6ea877f689fb492cb3b5aa39e3c17c534d5b947573c6c"
