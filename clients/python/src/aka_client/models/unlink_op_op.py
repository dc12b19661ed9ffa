from typing import Literal

UnlinkOpOp = Literal["unlink"]

UNLINK_OP_OP_VALUES: set[UnlinkOpOp] = {
    "unlink",
}


def check_unlink_op_op(value: str) -> UnlinkOpOp:
    if value in UNLINK_OP_OP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {UNLINK_OP_OP_VALUES!r}")
