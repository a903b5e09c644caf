from django.urls import path

from grids.views import grids, patrols, reports

urlpatterns = [
    # Grid management and import (grids/views/grids.py)
    path("", grids.grid_list, name="grids-list"),
    path("new/", grids.grid_create, name="grids-create"),
    path("g/<str:code>/edit/", grids.grid_edit, name="grids-edit"),
    path("workers/", grids.worker_list, name="grids-workers"),
    path("workers/new/", grids.worker_create, name="grids-worker-create"),
    path("workers/<int:pk>/edit/", grids.worker_edit, name="grids-worker-edit"),
    path("import/", grids.import_upload, name="grids-import"),
    path("import/template.xlsx", grids.import_template, name="grids-import-template"),
    # Patrols (grids/views/patrols.py)
    path("patrols/", patrols.patrol_list, name="grids-patrols"),
    path("patrols/new/", patrols.patrol_create, name="grids-patrol-create"),
    path("patrols/<int:pk>/report/", patrols.patrol_report, name="grids-patrol-report"),
    # Zero-report (grids/views/reports.py)
    path("reports/", reports.report_home, name="grids-reports"),
    path("reports/file/", reports.report_file, name="grids-report-file"),
    path("reports/<int:pk>/", reports.report_detail, name="grids-report-detail"),
    path("reports/items/<int:pk>/to-case/", reports.item_to_case, name="grids-item-to-case"),
    path("board/", reports.board, name="grids-board"),
    path("board/league/", reports.league, name="grids-league"),
    path("board/export.xlsx", reports.board_export, name="grids-board-export"),
]
