"""The HTTP API: authenticate, validate, call Temporal, map the answer."""
