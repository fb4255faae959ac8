"""The domain layer shared by every function (deployed as one Lambda layer)."""
