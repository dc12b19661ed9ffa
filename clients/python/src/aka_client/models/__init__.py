"""Contains all the data models used in inputs/outputs"""

from .batch_in import BatchIn
from .batch_out import BatchOut
from .batch_result_out import BatchResultOut
from .batch_result_out_problem_type_0 import BatchResultOutProblemType0
from .create_op import CreateOp
from .create_op_attributes import CreateOpAttributes
from .create_op_op import CreateOpOp
from .create_profile_in import CreateProfileIn
from .create_profile_in_attributes import CreateProfileInAttributes
from .deliveries_out import DeliveriesOut
from .delivery_out import DeliveryOut
from .dry_run_answer_out import DryRunAnswerOut
from .dry_run_out import DryRunOut
from .event_out import EventOut
from .event_out_payload import EventOutPayload
from .events_page_out import EventsPageOut
from .expansion_out import ExpansionOut
from .explain_in import ExplainIn
from .explain_out import ExplainOut
from .health import Health
from .history_out import HistoryOut
from .identifier_in import IdentifierIn
from .identifier_in_attributes import IdentifierInAttributes
from .identifier_key_in import IdentifierKeyIn
from .identifier_out import IdentifierOut
from .identifier_out_attributes import IdentifierOutAttributes
from .identify_in import IdentifyIn
from .identify_op import IdentifyOp
from .identify_op_op import IdentifyOpOp
from .job_out import JobOut
from .job_out_errors_item import JobOutErrorsItem
from .key_created_out import KeyCreatedOut
from .key_created_out_rate_limits import KeyCreatedOutRateLimits
from .key_in import KeyIn
from .key_in_rate_limits_type_0 import KeyInRateLimitsType0
from .key_list_out import KeyListOut
from .key_out import KeyOut
from .key_out_rate_limits import KeyOutRateLimits
from .kind import Kind
from .link_op import LinkOp
from .link_op_op import LinkOpOp
from .linked_identifier_out import LinkedIdentifierOut
from .membership_in import MembershipIn
from .membership_out import MembershipOut
from .merge_in import MergeIn
from .merge_op import MergeOp
from .merge_op_op import MergeOpOp
from .merge_out import MergeOut
from .merge_policy import MergePolicy
from .merged_profiles_out import MergedProfilesOut
from .moved_identifier_out import MovedIdentifierOut
from .moved_membership_out import MovedMembershipOut
from .namespace_rule_in import NamespaceRuleIn
from .normalization import Normalization
from .problem_details import ProblemDetails
from .profile_out import ProfileOut
from .profile_out_attributes import ProfileOutAttributes
from .profile_ref_in import ProfileRefIn
from .rename_in import RenameIn
from .unlink_op import UnlinkOp
from .unlink_op_op import UnlinkOpOp
from .update_profile_in import UpdateProfileIn
from .update_profile_in_attributes import UpdateProfileInAttributes
from .webhook_in import WebhookIn
from .webhook_list_out import WebhookListOut
from .webhook_out import WebhookOut
from .workspace_out import WorkspaceOut
from .workspace_out_settings import WorkspaceOutSettings
from .workspace_patch_in import WorkspacePatchIn
from .workspace_patch_in_namespace_aliases_type_0 import WorkspacePatchInNamespaceAliasesType0
from .workspace_patch_in_namespaces import WorkspacePatchInNamespaces
from .workspace_patch_in_rate_limits_type_0 import WorkspacePatchInRateLimitsType0
from .would_write_out import WouldWriteOut
from .would_write_out_payload import WouldWriteOutPayload

__all__ = (
    "BatchIn",
    "BatchOut",
    "BatchResultOut",
    "BatchResultOutProblemType0",
    "CreateOp",
    "CreateOpAttributes",
    "CreateOpOp",
    "CreateProfileIn",
    "CreateProfileInAttributes",
    "DeliveriesOut",
    "DeliveryOut",
    "DryRunAnswerOut",
    "DryRunOut",
    "EventOut",
    "EventOutPayload",
    "EventsPageOut",
    "ExpansionOut",
    "ExplainIn",
    "ExplainOut",
    "Health",
    "HistoryOut",
    "IdentifierIn",
    "IdentifierInAttributes",
    "IdentifierKeyIn",
    "IdentifierOut",
    "IdentifierOutAttributes",
    "IdentifyIn",
    "IdentifyOp",
    "IdentifyOpOp",
    "JobOut",
    "JobOutErrorsItem",
    "KeyCreatedOut",
    "KeyCreatedOutRateLimits",
    "KeyIn",
    "KeyInRateLimitsType0",
    "KeyListOut",
    "KeyOut",
    "KeyOutRateLimits",
    "Kind",
    "LinkedIdentifierOut",
    "LinkOp",
    "LinkOpOp",
    "MembershipIn",
    "MembershipOut",
    "MergedProfilesOut",
    "MergeIn",
    "MergeOp",
    "MergeOpOp",
    "MergeOut",
    "MergePolicy",
    "MovedIdentifierOut",
    "MovedMembershipOut",
    "NamespaceRuleIn",
    "Normalization",
    "ProblemDetails",
    "ProfileOut",
    "ProfileOutAttributes",
    "ProfileRefIn",
    "RenameIn",
    "UnlinkOp",
    "UnlinkOpOp",
    "UpdateProfileIn",
    "UpdateProfileInAttributes",
    "WebhookIn",
    "WebhookListOut",
    "WebhookOut",
    "WorkspaceOut",
    "WorkspaceOutSettings",
    "WorkspacePatchIn",
    "WorkspacePatchInNamespaceAliasesType0",
    "WorkspacePatchInNamespaces",
    "WorkspacePatchInRateLimitsType0",
    "WouldWriteOut",
    "WouldWriteOutPayload",
)
