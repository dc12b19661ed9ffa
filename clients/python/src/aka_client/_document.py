"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "67df46f53939171fc8dbcb73fef99cab0d013d6724c6bc3b2424ec8e9274c093"
