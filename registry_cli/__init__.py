"""The ``./registry`` command."""
