"""Tokens (SPEC §6): verification with pyjwt, development keys, role decorators."""
