import importlib

from django.urls import Resolver404, resolve

import governance.urls


def test_media_folder_is_not_served_even_in_development(settings):
    # Attachments download only through the login- and scope-checked view (tests/disputes/test_permissions).
    settings.DEBUG = True
    try:
        urls = importlib.reload(governance.urls)
        settings.ROOT_URLCONF = urls
        for path in ("/media/attachments/2026/01/id-card.jpg", settings.MEDIA_URL + "x.pdf"):
            try:
                match = resolve(path, urlconf=urls)
            except Resolver404:
                continue
            raise AssertionError(f"{path} is served by {match.func}")
    finally:
        settings.DEBUG = False
        importlib.reload(governance.urls)
