from django.urls import path

from disputes import warning_views

urlpatterns = [
    path("", warning_views.warning_list, name="disputes-warnings"),
    path("<int:pk>/", warning_views.warning_detail, name="disputes-warning"),
    path("<int:pk>/agenda/", warning_views.warning_to_agenda, name="disputes-warning-agenda"),
    path("<int:pk>/close/", warning_views.warning_close, name="disputes-warning-close"),
]
