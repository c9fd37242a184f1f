"""HTTP plumbing every service reuses: problems, bodies, auth, commands, health, metrics."""
