"""arrears: debt-collection case orchestration on Temporal."""

__version__ = "0.1.0"
