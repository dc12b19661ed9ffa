from typing import Literal

CreateOpOp = Literal["create"]

CREATE_OP_OP_VALUES: set[CreateOpOp] = {
    "create",
}


def check_create_op_op(value: str) -> CreateOpOp:
    if value in CREATE_OP_OP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CREATE_OP_OP_VALUES!r}")
