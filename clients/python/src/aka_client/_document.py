"""Written by `make client`: the document the generated modules were made from."""

DOCUMENT_SHA256 = "7c9f9697c9c47f8718ae83e8665d29ba9f32be0cca91d77abdefcbfff6a36c9a"
