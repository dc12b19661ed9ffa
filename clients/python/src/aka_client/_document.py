"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "d0b78b6a0f5ce4219ca3adfda692d4b01bb0990aad976bb787b7122bd1827fba"
