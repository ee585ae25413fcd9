//! The rules of `certdesk-core` as tables and properties.

mod machine;
mod machine_properties;
