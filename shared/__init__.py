"""The registry's common library: event envelope, stores, bus, auth, HTTP plumbing, config, CLI."""
