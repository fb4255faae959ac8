"""Operator and developer tooling: the ``rewards`` command, the local runner and its embedded DynamoDB.

Nothing here is deployed: the Lambda functions use only ``functions/`` and the ``shared/`` layer.
"""
