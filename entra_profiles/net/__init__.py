"""The wire: sessions that never proxy loopback, what each profile's requests met, and why one failed."""
