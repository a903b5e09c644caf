from django.urls import path

from mediation import online_views, views

urlpatterns = [
    path("", views.work, name="mediation-work"),
    path("organisations/", views.organisation_list, name="mediation-organisations"),
    path("organisations/<int:pk>/", views.organisation_detail, name="mediation-organisation"),
    path("organisations/<int:pk>/mediators/new/", views.mediator_new, name="mediation-mediator-new"),
    path("organisations/<int:pk>/mediators/<int:mediator_pk>/", views.mediator_edit, name="mediation-mediator-edit"),
    path(
        "organisations/<int:pk>/mediators/<int:mediator_pk>/trainings/",
        views.training_new,
        name="mediation-training-new",
    ),
    path("experts/", views.expert_list, name="mediation-experts"),
    path("subsidy/", views.subsidy, name="mediation-subsidy"),
    path("subsidy.xlsx", views.subsidy_export, name="mediation-subsidy-export"),
    path("performance/", views.performance, name="mediation-performance"),
    path("agreements/", views.agreement_list, name="mediation-agreements"),
    path("cases/<str:number>/", views.case_mediation, name="mediation-case"),
    path("cases/<str:number>/assign/", views.assign, name="mediation-assign"),
    path("cases/<str:number>/assignments/<int:pk>/recuse/", views.recuse, name="mediation-recuse"),
    path("cases/<str:number>/extend/", views.extend, name="mediation-extend"),
    path("cases/<str:number>/fail/", views.fail, name="mediation-fail"),
    path("cases/<str:number>/notice/", views.rights_notice, name="mediation-notice"),
    path("cases/<str:number>/sessions/new/", views.session_new, name="mediation-session-new"),
    path("cases/<str:number>/sessions/<int:pk>/", views.session_print, name="mediation-session"),
    path("cases/<str:number>/agreements/new/", views.agreement_draft, name="mediation-agreement-draft"),
    path("cases/<str:number>/agreements/<int:pk>/edit/", views.agreement_edit, name="mediation-agreement-edit"),
    path(
        "cases/<str:number>/agreements/<int:pk>/finalize/",
        views.agreement_finalize,
        name="mediation-agreement-finalize",
    ),
    path(
        "cases/<str:number>/agreements/<int:pk>/correct/", views.agreement_correct, name="mediation-agreement-correct"
    ),
    path("cases/<str:number>/agreements/<int:pk>.docx", views.agreement_docx, name="mediation-agreement-docx"),
    path("cases/<str:number>/agreements/<int:pk>.pdf", views.agreement_pdf, name="mediation-agreement-pdf"),
    path(
        "cases/<str:number>/agreements/<int:pk>/confirmation/", views.confirmation_apply, name="mediation-confirmation"
    ),
    path(
        "cases/<str:number>/confirmations/<int:pk>/decide/",
        views.confirmation_decide,
        name="mediation-confirmation-decide",
    ),
    path("cases/<str:number>/follow-ups/<int:pk>/", views.follow_up, name="mediation-follow-up"),
    # 网上调解 (mediation/online.py)
    path("cases/<str:number>/online/", online_views.thread, name="mediation-online"),
    path("cases/<str:number>/online/switch/", online_views.switch, name="mediation-online-switch"),
    path("cases/<str:number>/online/invite/", online_views.invite, name="mediation-online-invite"),
]
