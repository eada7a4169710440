//! Workspace tests live under `tests/`; this library is empty on purpose.
