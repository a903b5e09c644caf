"""/m/: the public pages (码上办). Nothing here reaches a staff page or a staff object."""

from django.urls import path

from disputes import citizen_report_views, citizen_views

urlpatterns = [
    path("", citizen_views.home, name="citizen-home"),
    path("challenge/", citizen_views.challenge_json, name="citizen-challenge"),
    path("sms/", citizen_views.send_code_json, name="citizen-send-code"),
    # 我要反映 (disputes/citizen_report_views.py)
    path("report/", citizen_report_views.report, name="citizen-report"),
    path("report/done/", citizen_report_views.report_done, name="citizen-report-done"),
]
