"""Every side effect of a case, each idempotent and safe to retry."""
