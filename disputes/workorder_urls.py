"""/api/v1/: the inbound work-order API (disputes/workorder_api.py)."""

from django.urls import path

from disputes import workorder_api

urlpatterns = [
    path("openapi.json", workorder_api.openapi, name="api-openapi"),
    path("inbound/<slug:source>/orders", workorder_api.receive, name="api-inbound-orders"),
    path("inbound/<slug:source>/orders/<str:order_id>", workorder_api.status, name="api-inbound-order"),
]
