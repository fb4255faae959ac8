"""The cold-start floor: what any Lambda handler of this kind imports and builds at init, nothing of ours.

Python, a boto3 session and a DynamoDB client, pydantic with a small model, and the Powertools REST
resolver with validation and one pydantic-validated route. bench/coldstart.py imports it exactly as it
imports a function's handler from the sam build artifact (from a checked-hash .pyc, in the same
environment), so a function's import time divided by this one's is what our own code costs on top.
"""

import os
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

client = boto3.session.Session().client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(default=1, ge=1)
    tags: list[str] = []


app = APIGatewayRestResolver(enable_validation=True)


@app.put("/items/<item_id>")
def put_item(item_id: str, item: Item) -> dict[str, Any]:
    return {"id": item_id, "name": item.name}


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
