from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_result_out_problem_type_0 import BatchResultOutProblemType0
    from ..models.profile_out import ProfileOut


T = TypeVar("T", bound="BatchResultOut")


@_attrs_define
class BatchResultOut:
    status: int
    profile: None | ProfileOut | Unset = UNSET
    merge_id: int | None | Unset = UNSET
    problem: BatchResultOutProblemType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.batch_result_out_problem_type_0 import BatchResultOutProblemType0  # noqa: PLC0415
        from ..models.profile_out import ProfileOut  # noqa: PLC0415

        status = self.status

        profile: dict[str, Any] | None | Unset
        if isinstance(self.profile, Unset):
            profile = UNSET
        elif isinstance(self.profile, ProfileOut):
            profile = self.profile.to_dict()
        else:
            profile = self.profile

        merge_id: int | None | Unset
        if isinstance(self.merge_id, Unset):
            merge_id = UNSET
        else:
            merge_id = self.merge_id

        problem: dict[str, Any] | None | Unset
        if isinstance(self.problem, Unset):
            problem = UNSET
        elif isinstance(self.problem, BatchResultOutProblemType0):
            problem = self.problem.to_dict()
        else:
            problem = self.problem

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )
        if profile is not UNSET:
            field_dict["profile"] = profile
        if merge_id is not UNSET:
            field_dict["merge_id"] = merge_id
        if problem is not UNSET:
            field_dict["problem"] = problem

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_result_out_problem_type_0 import BatchResultOutProblemType0  # noqa: PLC0415
        from ..models.profile_out import ProfileOut  # noqa: PLC0415

        d = dict(src_dict)
        status = d.pop("status")

        def _parse_profile(data: object) -> None | ProfileOut | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                profile_type_0 = ProfileOut.from_dict(data)

                return profile_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProfileOut | Unset, data)

        profile = _parse_profile(d.pop("profile", UNSET))

        def _parse_merge_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        merge_id = _parse_merge_id(d.pop("merge_id", UNSET))

        def _parse_problem(data: object) -> BatchResultOutProblemType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                problem_type_0 = BatchResultOutProblemType0.from_dict(data)

                return problem_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchResultOutProblemType0 | None | Unset, data)

        problem = _parse_problem(d.pop("problem", UNSET))

        batch_result_out = cls(
            status=status,
            profile=profile,
            merge_id=merge_id,
            problem=problem,
        )

        batch_result_out.additional_properties = d
        return batch_result_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
