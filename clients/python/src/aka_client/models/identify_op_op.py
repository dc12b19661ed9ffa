from typing import Literal

IdentifyOpOp = Literal["identify"]

IDENTIFY_OP_OP_VALUES: set[IdentifyOpOp] = {
    "identify",
}


def check_identify_op_op(value: str) -> IdentifyOpOp:
    if value in IDENTIFY_OP_OP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {IDENTIFY_OP_OP_VALUES!r}")
