"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "8782739a745ce7ab194ff151aaea2a485aef4ee55af41e40867add5547a4fb55"
