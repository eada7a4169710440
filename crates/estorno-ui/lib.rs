//! Nothing to link: this package holds the spec macros' UI cases (`ui/`) and the trybuild test
//! that compiles them (`compiletest.rs`), apart from the workspace's other tests so trybuild's
//! own build of their dependencies stays small.
