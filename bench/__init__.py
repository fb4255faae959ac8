"""`make bench`: measurements of the built artifact and of the API (see bench/run.py). Not tests."""
