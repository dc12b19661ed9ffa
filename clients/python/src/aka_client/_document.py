"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "35d79607f404e0f44240d715ca32d66d053f3427361332c96e98664fe553c514"
