//! The stable error codes: one name for each way a request can be refused, the same in the
//! API's JSON body, on the socket and in the pages' translations (`err-<code>` with dashes).
//! Clients match on these names, so a name never changes once shipped; a test checks that
//! every code is used somewhere and listed in `openapi.json`.

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($variant:ident = $name:literal,)*) => {
        /// Why a request was refused, as its stable snake_case name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order written here.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The stable name clients match on.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

codes! {
    AccountAddress = "account_address",
    AlreadyACase = "already_a_case",
    AlreadyHello = "already_hello",
    BadBody = "bad_body",
    BadClientId = "bad_client_id",
    BadFrame = "bad_frame",
    Busy = "busy",
    CallbackClosed = "callback_closed",
    CallbackTaken = "callback_taken",
    CaseClosed = "case_closed",
    CaseMoved = "case_moved",
    CategoryNotEmpty = "category_not_empty",
    Conflict = "conflict",
    CsrfFailed = "csrf_failed",
    EditConflict = "edit_conflict",
    EmailRequired = "email_required",
    EmailTaken = "email_taken",
    EmailUnverified = "email_unverified",
    EmptyFile = "empty_file",
    ExportFailed = "export_failed",
    FileTypeMismatch = "file_type_mismatch",
    Forbidden = "forbidden",
    HelloExpected = "hello_expected",
    ImportFailed = "import_failed",
    Internal = "internal",
    InvalidAddress = "invalid_address",
    InvalidAssignee = "invalid_assignee",
    InvalidAttachment = "invalid_attachment",
    InvalidBody = "invalid_body",
    InvalidCalendar = "invalid_calendar",
    InvalidCall = "invalid_call",
    InvalidCallback = "invalid_callback",
    InvalidCapacity = "invalid_capacity",
    InvalidCategories = "invalid_categories",
    InvalidCategory = "invalid_category",
    InvalidChannel = "invalid_channel",
    InvalidCode = "invalid_code",
    InvalidComment = "invalid_comment",
    InvalidCredentials = "invalid_credentials",
    InvalidCsv = "invalid_csv",
    InvalidCustomer = "invalid_customer",
    InvalidDescription = "invalid_description",
    InvalidDirection = "invalid_direction",
    InvalidEmail = "invalid_email",
    InvalidExpiry = "invalid_expiry",
    InvalidFeedback = "invalid_feedback",
    InvalidField = "invalid_field",
    InvalidFields = "invalid_fields",
    InvalidHours = "invalid_hours",
    InvalidIdentity = "invalid_identity",
    InvalidInbox = "invalid_inbox",
    InvalidKind = "invalid_kind",
    InvalidLanguage = "invalid_language",
    InvalidMacro = "invalid_macro",
    InvalidMailServer = "invalid_mail_server",
    InvalidMember = "invalid_member",
    InvalidMerge = "invalid_merge",
    InvalidMessage = "invalid_message",
    InvalidName = "invalid_name",
    InvalidNote = "invalid_note",
    InvalidOffset = "invalid_offset",
    InvalidOrder = "invalid_order",
    InvalidOutcome = "invalid_outcome",
    InvalidParent = "invalid_parent",
    InvalidPattern = "invalid_pattern",
    InvalidPeriod = "invalid_period",
    InvalidPhone = "invalid_phone",
    InvalidPhrase = "invalid_phrase",
    InvalidPolicy = "invalid_policy",
    InvalidPrechat = "invalid_prechat",
    InvalidPresence = "invalid_presence",
    InvalidPriority = "invalid_priority",
    InvalidQuery = "invalid_query",
    InvalidReason = "invalid_reason",
    InvalidRecipient = "invalid_recipient",
    InvalidResolution = "invalid_resolution",
    InvalidRole = "invalid_role",
    InvalidRule = "invalid_rule",
    InvalidScope = "invalid_scope",
    InvalidSeconds = "invalid_seconds",
    InvalidSettings = "invalid_settings",
    InvalidSetupCode = "invalid_setup_code",
    InvalidSeverity = "invalid_severity",
    InvalidSignature = "invalid_signature",
    InvalidSla = "invalid_sla",
    InvalidSlug = "invalid_slug",
    InvalidSnooze = "invalid_snooze",
    InvalidSplit = "invalid_split",
    InvalidStage = "invalid_stage",
    InvalidStatus = "invalid_status",
    InvalidTag = "invalid_tag",
    InvalidTags = "invalid_tags",
    InvalidTeam = "invalid_team",
    InvalidTime = "invalid_time",
    InvalidTitle = "invalid_title",
    InvalidToken = "invalid_token",
    InvalidType = "invalid_type",
    InvalidUrl = "invalid_url",
    InvalidView = "invalid_view",
    InvalidZip = "invalid_zip",
    JsonContentTypeRequired = "json_content_type_required",
    LastAdmin = "last_admin",
    MailNotConfigured = "mail_not_configured",
    MalformedJson = "malformed_json",
    NameTaken = "name_taken",
    NoCustomer = "no_customer",
    NoEnrolment = "no_enrolment",
    NoInbox = "no_inbox",
    NoRecipient = "no_recipient",
    NotAMailConversation = "not_a_mail_conversation",
    NotFound = "not_found",
    NotWaiting = "not_waiting",
    NotesStaffOnly = "notes_staff_only",
    NothingToDraft = "nothing_to_draft",
    PasswordLength = "password_length",
    PasswordWeak = "password_weak",
    PayloadTooLarge = "payload_too_large",
    QueryTooShort = "query_too_short",
    RateLimited = "rate_limited",
    ReauthRequired = "reauth_required",
    ReplyBlocked = "reply_blocked",
    ReplyWarnings = "reply_warnings",
    RequiredFields = "required_fields",
    SelfDeactivation = "self_deactivation",
    SlugTaken = "slug_taken",
    StaffCannotFile = "staff_cannot_file",
    StorageFull = "storage_full",
    TooManyRecipients = "too_many_recipients",
    TooManyRules = "too_many_rules",
    TotpEnabled = "totp_enabled",
    Unauthorized = "unauthorized",
    Unavailable = "unavailable",
    UnsafeArchive = "unsafe_archive",
    UnsupportedFileType = "unsupported_file_type",
    UnsupportedVersion = "unsupported_version",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serialised_snake_case_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert_eq!(
                serde_json::to_string(code).unwrap_or_default(),
                format!("\"{}\"", code.as_str())
            );
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{code} is not snake_case"
            );
        }
    }
}
