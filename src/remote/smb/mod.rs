//! SMB remote (being written).
