"""A method its resource lacks (template.yaml routes each resource's ANY here, and API Gateway prefers the
resource's own methods): the 405 ``method_not_allowed`` whose ``Allow`` names the resource's methods. The
router has no route of its own, so every request is the resolver's not-found answer (shared/api/errors.py)."""

from shared.api.http import http_handler, new_router

router = new_router()

lambda_handler = http_handler(router)
