from django.urls import path

from visits import views

urlpatterns = [
    path("", views.calendar_view, name="visits-calendar"),
    path("new/", views.visit_plan, name="visits-new"),
    path("coverage/", views.coverage_view, name="visits-coverage"),
    path("coverage.xlsx", views.coverage_export, name="visits-coverage-export"),
    path("issues/", views.issue_list, name="visits-issues"),
    path("issues/<int:pk>/", views.issue_detail, name="visits-issue"),
    path("issues/<int:pk>/close/", views.issue_close, name="visits-issue-close"),
    path("issues/<int:pk>/case/", views.issue_convert, name="visits-issue-convert"),
    path("<int:pk>/", views.visit_detail, name="visits-detail"),
    path("<int:pk>/brief/", views.visit_brief, name="visits-brief"),
    path("<int:pk>/record/", views.visit_record, name="visits-record"),
    path("<int:pk>/cancel/", views.visit_cancel, name="visits-cancel"),
    path("<int:pk>/issues/", views.issue_add, name="visits-issue-add"),
]
