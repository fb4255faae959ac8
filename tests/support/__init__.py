"""Test helpers: the in-process API client, atomic moto, event builders."""
