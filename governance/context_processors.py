from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from governance.navigation import NAV_BY_KEY, items_for, menu_for

# Pages that belong to a menu entry without being its target.
SECTION_OF = {
    "inbox": "inbox",
    "disputes-performance": "supervision",
    "disputes-time-limits": "supervision",
    "disputes-supervise": "cases",
    "disputes-supervision-answer": "cases",
    "disputes-extension": "cases",
    "disputes-extension-decide": "cases",
    "disputes-reveal": "cases",
    "grids-create": "grids",
    "grids-edit": "grids",
    "grids-workers": "grids",
    "grids-worker-create": "grids",
    "grids-worker-edit": "grids",
    "grids-import": "grids",
    "grids-report-file": "reports",
    "grids-report-detail": "board",
    "grids-league": "board",
    "grids-patrol-create": "patrols",
    "governance-region": "regions",
    "disputes-detail": "cases",
    "disputes-action": "cases",
    "disputes-progress": "cases",
    "disputes-attach": "cases",
}


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    items = items_for(user) if user is not None else []
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else None
    active = SECTION_OF.get(url_name) or next((i.key for i in items if i.url_name == url_name), None)
    unread = 0
    if user is not None and user.is_authenticated:
        from governance.models import Notification

        unread = Notification.objects.unread_by(user).count()  # one query per page
    active_item = NAV_BY_KEY.get(active) if active else None
    return {
        "unread_notices": unread,
        "nav_items": items,
        "nav_menu": menu_for(user) if user is not None else [],
        "active_group": active_item.group if active_item else "",
        "nav_keys": {item.key for item in items},
        "active_nav": active,
        "site_title": settings.SITE_TITLE,
        "site_short_title": settings.SITE_SHORT_TITLE,
    }
