//! The `nsenter-rs` binary (see the crate's library for the tool).
#![cfg_attr(not(test), no_main)]

nsutils_common::tool_main!("nsenter-rs", nsenter_rs::run);
