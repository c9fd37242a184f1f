"""The certification service."""
