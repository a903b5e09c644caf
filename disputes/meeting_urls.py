from django.urls import path

from disputes import meeting_views as views

urlpatterns = [
    path("", views.meeting_list, name="meetings-list"),
    path("new/", views.meeting_new, name="meetings-new"),
    path("<int:pk>/", views.meeting_detail, name="meetings-detail"),
    path("<int:pk>/decisions/", views.decision_add, name="meetings-decision-add"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="meetings-minutes"),
    path("<int:pk>/minutes.docx", views.meeting_docx, name="meetings-docx"),
    path("decisions/<int:pk>/answer/", views.decision_answer, name="meetings-decision-answer"),
]
