"""Test helpers: the in-process API client, event builders, fault injection, the import graph."""
