"""The event store port and its adapters; the store is also the outbox."""
