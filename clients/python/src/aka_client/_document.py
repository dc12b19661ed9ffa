"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "aab20c3daa354b256d9edd1e8542a4e818bca476820e0dc35a9ec66328f4afc9"
