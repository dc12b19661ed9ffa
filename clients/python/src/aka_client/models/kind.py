from typing import Literal

Kind = Literal["GROUP", "UNKNOWN", "USER", "VIRTUAL_GROUP"]

KIND_VALUES: set[Kind] = {
    "GROUP",
    "UNKNOWN",
    "USER",
    "VIRTUAL_GROUP",
}


def check_kind(value: str) -> Kind:
    if value in KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {KIND_VALUES!r}")
