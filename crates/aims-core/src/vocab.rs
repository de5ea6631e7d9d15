//! A macro for closed vocabularies: enums with a stable snake_case code and a label.
//!
//! The code is what the database, the API and the ledger store; the label is what a
//! person reads. Keeping both in one table per enum means a new value is one line.

/// Declares an enum whose variants have a stable code and a human label.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => ($code:literal, $label:literal) ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant ),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and used in the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses a code; the error lists the accepted codes.
            pub fn parse(code: &str) -> Result<Self, String> {
                match code.trim() {
                    $($code => Ok($name::$variant),)+
                    other => Err(format!(
                        "`{}` is not one of: {}",
                        other,
                        [$($code),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
