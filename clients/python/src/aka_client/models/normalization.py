from typing import Literal

Normalization = Literal["email", "exact", "phone"]

NORMALIZATION_VALUES: set[Normalization] = {
    "email",
    "exact",
    "phone",
}


def check_normalization(value: str) -> Normalization:
    if value in NORMALIZATION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NORMALIZATION_VALUES!r}")
