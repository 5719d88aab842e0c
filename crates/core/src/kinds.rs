//! The closed sets of names the domain uses — a conversation's stage and priority, a message's
//! kind, an inbox's channel, a case's kind, status, severity and resolution — as enums. Each is
//! stored and sent as its snake_case name (`as_str`, `parse`, serde), so rows and the API keep
//! the strings they always had while the rules work on types.

/// A stored or sent name that is not one of its set's (a row written by a newer version, or a
/// hand-edited database).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {set}: {name:?}")]
pub struct UnknownName {
    pub set: &'static str,
    pub name: String,
}

/// `TryFrom<String>` for a set with `parse`: how rows decode their typed columns.
#[macro_export]
macro_rules! try_from_name {
    ($($name:ty),+) => {$(
        impl TryFrom<String> for $name {
            type Error = $crate::kinds::UnknownName;
            fn try_from(s: String) -> Result<$name, Self::Error> {
                <$name>::parse(&s).ok_or($crate::kinds::UnknownName { set: stringify!($name), name: s })
            }
        }
    )+};
}

macro_rules! named {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every stored name, in order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The stored and API name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        $crate::try_from_name!($name);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown {}: {s:?} (one of {})",
                        stringify!($name),
                        $name::NAMES.join(", ")
                    ))
                })
            }
        }
    };
}

named! {
    /// Where a conversation stands in the sale (售前, 售中, 售后).
    pub enum Stage { PreSale = "pre_sale", InSale = "in_sale", AfterSale = "after_sale" }
}

named! {
    /// A ticket's priority, lowest first.
    pub enum Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" }
}

named! {
    /// What a message is.
    pub enum MessageKind {
        Text = "text",
        Attachment = "attachment",
        /// A private note among staff; never shown to the customer.
        Note = "note",
        /// Something that happened that the customer may see (an agent joined, resolved …).
        Event = "event",
        /// Something that happened among staff only (priority, tags, stage, transfers).
        Activity = "activity",
    }
}

/// A new message is text unless said otherwise.
impl Default for MessageKind {
    fn default() -> Self {
        MessageKind::Text
    }
}

named! {
    /// How customers reach an inbox.
    pub enum Channel { Widget = "widget", Email = "email" }
}

named! {
    /// A complaint (投诉) or an after-sale claim (售后 / 索赔).
    pub enum CaseKind { Complaint = "complaint", Claim = "claim" }
}

named! {
    /// A case's status: a complaint's first, then a claim's.
    pub enum CaseStatus {
        Received = "received",
        Investigating = "investigating",
        WaitingCustomer = "waiting_customer",
        Resolved = "resolved",
        Requested = "requested",
        Approved = "approved",
        Rejected = "rejected",
        ItemReceived = "item_received",
        Refunded = "refunded",
        Replaced = "replaced",
        Closed = "closed",
    }
}

named! {
    /// How bad a complaint is, least first.
    pub enum Severity { Low = "low", Medium = "medium", High = "high", Critical = "critical" }
}

named! {
    /// What a claim asks for.
    pub enum Resolution { Return = "return", Refund = "refund", Exchange = "exchange" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_decode_known_names_only() {
        assert_eq!(
            CaseStatus::try_from("item_received".to_string()),
            Ok(CaseStatus::ItemReceived)
        );
        let e = MessageKind::try_from("poll".to_string()).unwrap_err();
        assert_eq!(e.to_string(), "unknown MessageKind: \"poll\"");
        assert_eq!(
            crate::conversation::Status::try_from("snoozed".to_string()),
            Ok(crate::conversation::Status::Snoozed)
        );
        assert!(crate::Role::try_from("root".to_string()).is_err());
    }

    #[test]
    fn names_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(*s));
        }
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Some(*s));
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<CaseStatus>(&json).unwrap(), *s);
        }
        assert_eq!(MessageKind::NAMES.len(), MessageKind::ALL.len());
        assert!(Priority::Low < Priority::Urgent && Severity::Medium < Severity::High);
        let err = serde_json::from_str::<Channel>("\"fax\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("widget, email"), "{err}");
    }
}
