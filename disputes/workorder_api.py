"""The inbound work-order API (`/api/v1/`): other systems post signed orders and poll our status.
No session, no CSRF token (a signature instead); every answer is JSON, a refusal a 4xx with the
reason, never a 500. The rules are in disputes/workorders.py."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from disputes import workorders
from disputes.models import InboundOrder, WorkOrderSource
from governance.models import AuditEvent
from governance.services import record_audit


def _error(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=status, json_dumps_params={"ensure_ascii": False})


def _source(code: str) -> WorkOrderSource | None:
    return WorkOrderSource.objects.filter(code=code, is_active=True).select_related("center__region").first()


def _verify(request: HttpRequest, source: WorkOrderSource, order_id: str, body: bytes) -> JsonResponse | None:
    try:
        workorders.check_signature(
            source,
            order_id=order_id,
            timestamp=request.headers.get("X-Timestamp", ""),
            given=request.headers.get("X-Signature", ""),
            body=body,
        )
    except workorders.Refused as refused:
        record_audit(
            AuditEvent.Action.ACCESS_DENIED,
            request=request,
            username=f"api:{source.code}",
            detail=f"work order {order_id[:64]}: {refused.reason}",
        )
        return _error(refused.status, refused.reason)
    return None


@csrf_exempt
@require_POST
def receive(request: HttpRequest, source: str) -> JsonResponse:
    found = _source(source)
    if found is None:
        return _error(404, _("未知的工单来源。"))
    declared = request.headers.get("Content-Length") or "0"
    if not declared.isdigit() or int(declared) > workorders.MAX_BODY_BYTES:
        return _error(413, _("报文超过 %(n)d KB。") % {"n": workorders.MAX_BODY_BYTES // 1024})
    order_id = request.headers.get("X-Order-Id", "")
    if not order_id or len(order_id) > 64:
        return _error(400, _("缺少或过长的请求头 X-Order-Id。"))
    body = request.body
    refusal = _verify(request, found, order_id, body)
    if refusal is not None:
        return refusal
    try:
        order, created = workorders.receive(found, order_id=order_id, body=body)
    except workorders.Refused as refused:
        return _error(refused.status, refused.reason)
    return JsonResponse(
        {"order_id": order.order_id, "receipt": str(order.receipt), "state": order.state, "duplicate": not created},
        status=202 if created else 200,
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def status(request: HttpRequest, source: str, order_id: str) -> JsonResponse:
    found = _source(source)
    if found is None:
        return _error(404, _("未知的工单来源。"))
    refusal = _verify(request, found, order_id, b"")
    if refusal is not None:
        return refusal
    order = InboundOrder.objects.filter(source=found, order_id=order_id).select_related("case").first()
    if order is None:
        return _error(404, _("没有该工单。"))
    return JsonResponse(workorders.our_status(order), json_dumps_params={"ensure_ascii": False})


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    from disputes.workorder_openapi import document

    return JsonResponse(document(request), json_dumps_params={"ensure_ascii": False, "indent": 2})
