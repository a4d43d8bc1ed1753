//! Cascade playground app (placeholder until the UI module lands).
