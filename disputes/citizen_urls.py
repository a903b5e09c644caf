"""/m/: the public pages (码上办). Nothing here reaches a staff page or a staff object."""

from django.urls import path

from disputes import citizen_views
from mediation import citizen_views as mediation_citizen

urlpatterns = [
    path("", citizen_views.home, name="citizen-home"),
    path("challenge/", citizen_views.challenge_json, name="citizen-challenge"),
    path("sms/", citizen_views.send_code_json, name="citizen-send-code"),
    # 网上调解: the party's side (mediation/citizen_views.py)
    path("mediation/<str:token>/", mediation_citizen.thread, name="citizen-mediation"),
    path("mediation/<str:token>/messages/", mediation_citizen.post, name="citizen-mediation-post"),
    path("mediation/<str:token>/confirm/", mediation_citizen.confirm, name="citizen-mediation-confirm"),
    path("mediation/<str:token>/photos/<int:pk>/", mediation_citizen.photo, name="citizen-mediation-photo"),
]
