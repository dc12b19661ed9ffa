from typing import Literal

MergePolicy = Literal["auto", "refuse"]

MERGE_POLICY_VALUES: set[MergePolicy] = {
    "auto",
    "refuse",
}


def check_merge_policy(value: str) -> MergePolicy:
    if value in MERGE_POLICY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {MERGE_POLICY_VALUES!r}")
