from typing import Literal

MergeOpOp = Literal["merge"]

MERGE_OP_OP_VALUES: set[MergeOpOp] = {
    "merge",
}


def check_merge_op_op(value: str) -> MergeOpOp:
    if value in MERGE_OP_OP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {MERGE_OP_OP_VALUES!r}")
