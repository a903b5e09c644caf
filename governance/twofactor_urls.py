from django.urls import path

from governance import twofactor_views

urlpatterns = [
    path("setup/", twofactor_views.setup, name="twofactor-setup"),
    path("verify/", twofactor_views.verify, name="twofactor-verify"),
    path("recovery/", twofactor_views.recovery, name="twofactor-recovery"),
    path("codes/", twofactor_views.recovery_codes, name="twofactor-codes"),
]
