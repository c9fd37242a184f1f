"""The licensing service."""
