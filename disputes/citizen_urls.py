"""/m/: the public pages (码上办). Nothing here reaches a staff page or a staff object."""

from django.urls import path

from disputes import citizen_consult_views, citizen_views

urlpatterns = [
    path("", citizen_views.home, name="citizen-home"),
    path("challenge/", citizen_views.challenge_json, name="citizen-challenge"),
    path("sms/", citizen_views.send_code_json, name="citizen-send-code"),
    # 我要咨询 (网上咨询)
    path("ask/", citizen_consult_views.ask, name="citizen-ask"),
    path("ask/<str:code>/", citizen_consult_views.ask_detail, name="citizen-ask-detail"),
]
