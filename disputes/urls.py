from django.urls import path

from disputes import consultation_views, documents, exports, online_views, posters, views, workorder_views

urlpatterns = [
    path("", views.case_list, name="disputes-list"),
    path("work/", views.my_work, name="disputes-work"),
    path("new/", views.case_intake, name="disputes-intake"),
    path("export.xlsx", exports.ledger_export, name="disputes-export"),
    path("supervision/", views.supervision_list, name="disputes-supervision"),
    path("performance/", views.performance, name="disputes-performance"),
    path("performance/cases/", views.performance_cases, name="disputes-performance-cases"),
    path("time-limits/", views.time_limits, name="disputes-time-limits"),
    path("key-persons/", views.key_person_list, name="disputes-key-persons"),
    path("key-persons/<int:pk>/remove/", views.key_person_remove, name="disputes-key-person-remove"),
    path("key-persons/check/", views.key_person_check, name="disputes-key-person-check"),
    path("online/", online_views.online_submissions, name="disputes-online"),
    path("<str:number>/parties/<int:pk>/key-person/", views.key_person_mark, name="disputes-key-person-mark"),
    path("overdue-ledger.xlsx", views.overdue_ledger_export, name="disputes-overdue-ledger"),
    path("work-orders/", workorder_views.source_list, name="disputes-work-orders"),
    path("work-orders/<int:pk>/", workorder_views.order_detail, name="disputes-work-order"),
    path("work-orders/callbacks/<int:pk>/replay/", workorder_views.callback_replay, name="disputes-callback-replay"),
    # 码上办 posters: before the case's own paths (a case number is any one path segment).
    path("posters/", posters.poster_list, name="disputes-posters"),
    path("posters/<str:code>/", posters.poster, name="disputes-poster"),
    # 网上咨询 (disputes/consultation_views.py)
    path("consultations/", consultation_views.consultation_list, name="disputes-consultations"),
    path("consultations/<int:pk>/", consultation_views.consultation_detail, name="disputes-consultation"),
    path("consultations/<int:pk>/answer/", consultation_views.consultation_answer, name="disputes-consultation-answer"),
    path("consultations/<int:pk>/turn/", consultation_views.consultation_turn, name="disputes-consultation-turn"),
    path("<str:number>/", views.case_detail, name="disputes-detail"),
    path("<str:number>/act/<str:action>/", views.case_action, name="disputes-action"),
    path("<str:number>/progress/", views.case_progress, name="disputes-progress"),
    path("<str:number>/attachments/", views.case_attach, name="disputes-attach"),
    path("<str:number>/attachments/<int:pk>/", views.attachment_download, name="disputes-attachment"),
    path("<str:number>/extension/", views.extension_request, name="disputes-extension"),
    path("<str:number>/extension/<int:pk>/decide/", views.extension_decide, name="disputes-extension-decide"),
    path("<str:number>/parties/<int:pk>/reveal/", views.party_reveal, name="disputes-reveal"),
    path("<str:number>/supervise/", views.case_supervise, name="disputes-supervise"),
    path("<str:number>/supervision/<int:pk>/answer/", views.supervision_answer, name="disputes-supervision-answer"),
    path("<str:number>/supervision/<int:pk>/lift/", views.supervision_lift, name="disputes-supervision-lift"),
    path("<str:number>/receipt/", documents.case_receipt, name="disputes-receipt"),
    path("<str:number>/dispatch-order/", documents.dispatch_order, name="disputes-dispatch-order"),
]
