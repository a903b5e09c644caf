"""The OpenAPI 3.1 description of the inbound work-order API, served at /api/v1/openapi.json."""

from __future__ import annotations

from django.http import HttpRequest

from disputes import workorders
from disputes.models import Step

SIGNED = [{"orderId": [], "timestamp": [], "signature": []}]


def _text(longest: int, description: str) -> dict:
    return {"type": "string", "maxLength": longest, "description": description}


def document(request: HttpRequest) -> dict:
    f = workorders.FIELDS
    order = {
        "type": "object",
        "additionalProperties": False,
        "required": list(workorders.REQUIRED),
        "properties": {
            "order_id": _text(f["order_id"], "来源系统的工单号，须与请求头 X-Order-Id 相同"),
            "category": _text(f["category"], "来源系统的类别代码（按来源配置的类别映射对应到本系统的纠纷类别）"),
            "description": _text(f["description"], "诉求内容"),
            "reporter": _text(f["reporter"], "反映人姓名（可缺省：匿名反映人）"),
            "phone": _text(f["phone"], "反映人电话"),
            "place": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "township": _text(60, "镇（街道）名称或12位区划代码；县级来源必填"),
                    "village": _text(60, "村（社区）名称"),
                    "address": _text(200, "详细地址"),
                },
            },
            "deadline": {"type": "string", "format": "date-time", "description": "来源系统要求的办理时限"},
            "urgency": _text(f["urgency"], "紧急程度（来源系统的词）"),
            "received_at": {"type": "string", "format": "date-time", "description": "来源系统的受理时间"},
        },
    }
    error = {"type": "object", "properties": {"error": {"type": "string", "description": "拒绝原因"}}}
    receipt = {
        "type": "object",
        "properties": {
            "order_id": {"type": "string"},
            "receipt": {"type": "string", "format": "uuid"},
            "state": {"type": "string", "enum": ["received", "done", "failed"]},
            "duplicate": {"type": "boolean"},
        },
    }
    refusals = {
        str(code): {"description": words, "content": {"application/json": {"schema": error}}}
        for code, words in (
            (400, "报文无效（JSON、字段、长度、时间）"),
            (401, "签名或时间戳不正确（5 分钟窗口）"),
            (404, "未知来源或工单"),
            (409, "同一工单号、不同内容"),
            (413, "报文过大"),
        )
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "县综治中心 工单接入接口",
            "version": "1",
            "description": (
                "12345、110、信访、法院等系统推送工单并查询办理状态。每个请求带请求头 X-Order-Id、X-Timestamp"
                "（Unix 秒，与本系统时间相差不超过 5 分钟）和 X-Signature：以来源密钥对“工单号\\n时间戳\\n原始报文”"
                "计算的 HMAC（SHA-256，或来源配置的 SM3）十六进制值。查询请求的报文为空。本系统按来源配置的状态映射"
                f"回调来源的回调地址（环节：{'、'.join(str(s.label) for s in Step)}），签名方式相同，另带 X-Callback-Id；"
                "回调按 X-Callback-Id 去重。"
            ),
        },
        "servers": [{"url": request.build_absolute_uri("/api/v1")}],
        "components": {
            "securitySchemes": {
                "orderId": {"type": "apiKey", "in": "header", "name": "X-Order-Id"},
                "timestamp": {"type": "apiKey", "in": "header", "name": "X-Timestamp"},
                "signature": {"type": "apiKey", "in": "header", "name": "X-Signature"},
            },
            "schemas": {"Order": order, "Receipt": receipt, "Error": error},
        },
        "paths": {
            "/inbound/{source}/orders": {
                "post": {
                    "summary": "推送一张工单",
                    "security": SIGNED,
                    "parameters": [{"name": "source", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
                    },
                    "responses": {
                        "202": {
                            "description": "已接收（原始报文已保存，转案件在后台进行）",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}},
                        },
                        "200": {
                            "description": "同一工单重复推送：返回第一次的回执",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}},
                        },
                        **refusals,
                    },
                }
            },
            "/inbound/{source}/orders/{order_id}": {
                "get": {
                    "summary": "查询工单在本系统的状态",
                    "security": SIGNED,
                    "parameters": [
                        {"name": "source", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "order_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    ],
                    "responses": {"200": {"description": "工单与案件状态"}, **refusals},
                }
            },
        },
    }
