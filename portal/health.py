"""/healthz for load balancers: answered before host checks and redirects, with a database round trip."""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


class HealthCheckMiddleware:
    """Answers /healthz itself, so a balancer probing by IP address needs no entry in ALLOWED_HOSTS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != "/healthz":
            return self.get_response(request)
        try:
            healthy = check_database()
        except DatabaseError:
            logger.exception("Health check: the database is unreachable")
            healthy = False
        if not healthy:
            response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
            response["Retry-After"] = "60"
            return response
        return JsonResponse({"status": "ok", "database": "ok"})
