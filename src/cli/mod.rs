//! The commands, one file each: its arguments and the function that runs it. Argument
//! groups several commands share are in [`options`].

pub mod batch;
pub mod calibrate;
pub mod check;
pub mod diff;
pub mod fields;
pub mod lint;
pub mod options;
pub mod render;
pub mod sample;
pub mod seal;
#[cfg(feature = "serve")]
pub mod serve;
#[cfg(feature = "serve")]
pub mod studio;
pub mod verify;
