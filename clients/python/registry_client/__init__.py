"""Offline verification of the recruiter registry's receipts and its public log."""
