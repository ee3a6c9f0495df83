//! Plain-directory remote (being written).
