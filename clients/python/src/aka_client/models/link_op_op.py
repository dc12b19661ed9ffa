from typing import Literal

LinkOpOp = Literal["link"]

LINK_OP_OP_VALUES: set[LinkOpOp] = {
    "link",
}


def check_link_op_op(value: str) -> LinkOpOp:
    if value in LINK_OP_OP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LINK_OP_OP_VALUES!r}")
