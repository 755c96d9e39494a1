"""The HTTP API: thin handlers over the check engine, and one error middleware."""
