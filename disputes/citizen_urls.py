"""/m/: the public pages (码上办). Nothing here reaches a staff page or a staff object."""

from django.urls import path

from disputes import citizen_consult_views, citizen_follow_views, citizen_report_views, citizen_views
from mediation import citizen_views as mediation_citizen

urlpatterns = [
    path("", citizen_views.home, name="citizen-home"),
    path("challenge/", citizen_views.challenge_json, name="citizen-challenge"),
    path("sms/", citizen_views.send_code_json, name="citizen-send-code"),
    # 我要反映 (disputes/citizen_report_views.py)
    path("report/", citizen_report_views.report, name="citizen-report"),
    path("report/done/", citizen_report_views.report_done, name="citizen-report-done"),
    # 查询进度 / 评价 / 群众补充 (disputes/citizen_follow_views.py)
    path("follow/", citizen_follow_views.follow, name="citizen-follow"),
    path("follow/<str:code>/", citizen_follow_views.case_page, name="citizen-case"),
    path("follow/<str:code>/rate/", citizen_follow_views.rate, name="citizen-rate"),
    path("follow/<str:code>/note/", citizen_follow_views.add_note, name="citizen-note"),
    # 我要咨询 (网上咨询)
    path("ask/", citizen_consult_views.ask, name="citizen-ask"),
    path("ask/<str:code>/", citizen_consult_views.ask_detail, name="citizen-ask-detail"),
    # 网上调解: the party's side (mediation/citizen_views.py)
    path("mediation/<str:token>/", mediation_citizen.thread, name="citizen-mediation"),
    path("mediation/<str:token>/messages/", mediation_citizen.post, name="citizen-mediation-post"),
    path("mediation/<str:token>/confirm/", mediation_citizen.confirm, name="citizen-mediation-confirm"),
    path("mediation/<str:token>/photos/<int:pk>/", mediation_citizen.photo, name="citizen-mediation-photo"),
]
