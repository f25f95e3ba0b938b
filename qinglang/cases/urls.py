"""Web routes of cases."""

from django.urls import path

from qinglang.cases.views import (
    case_lists,
    cases,
    closure,
    collaboration,
    conversation,
    deadlines,
    evidence,
    pickers,
    targets,
    tasks,
    transfers,
    triage,
)

app_name = "cases"
urlpatterns: list = [
    # Triage (CASES)
    path("triage/", triage.triage_list, name="triage_list"),
    path("triage/<int:pk>/", triage.triage_detail, name="triage_detail"),
    path("triage/<int:pk>/accept/", triage.triage_accept, name="triage_accept"),
    path("triage/<int:pk>/decline/", triage.triage_decline, name="triage_decline"),
    path("triage/<int:pk>/reroute/", triage.triage_reroute, name="triage_reroute"),
    path("triage/<int:pk>/contact/", triage.triage_contact, name="triage_contact"),
    path("triage/bulk/", triage.triage_bulk, name="triage_bulk"),
    path(
        "triage/<int:pk>/internal-reroute/",
        triage.triage_internal_reroute,
        name="triage_internal_reroute",
    ),
    path(
        "triage/<int:pk>/internal-reroute/approve/",
        triage.triage_internal_reroute_approve,
        name="triage_internal_reroute_approve",
    ),
    path("triage/<int:pk>/assign/", triage.triage_assign, name="triage_assign"),
    path("triage/filters/", triage.triage_filter_save, name="triage_filter_save"),
    path(
        "triage/filters/<int:pk>/delete/", triage.triage_filter_delete, name="triage_filter_delete"
    ),
    # Cases (CASES)
    path("", cases.case_list, name="case_list"),
    path("export.csv", cases.case_export, {"fmt": "csv"}, name="case_export_csv"),
    path("export.xlsx", cases.case_export, {"fmt": "xlsx"}, name="case_export_xlsx"),
    path("new/", cases.case_create, name="case_create"),
    path("<int:pk>/", cases.case_detail, name="case_detail"),
    path("<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("<int:pk>/status/", cases.case_status, name="case_status"),
    path("<int:pk>/decide/", cases.case_decide, name="case_decide"),
    path("<int:pk>/close/", cases.case_close, name="case_close"),
    path("<int:pk>/reopen/", cases.case_reopen, name="case_reopen"),
    path("<int:pk>/merge/", cases.case_merge, name="case_merge"),
    path("<int:pk>/split/", cases.case_split, name="case_split"),
]

# Collaborative handling (HANDLING): transfers and the recipients' portal, tasks, deadlines.
urlpatterns += [
    path("transfers/", transfers.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", transfers.transfer_detail, name="transfer_detail"),
    path(
        "transfers/<int:pk>/acknowledge/",
        transfers.transfer_acknowledge,
        name="transfer_acknowledge",
    ),
    path("transfers/<int:pk>/feedback/", transfers.transfer_feedback, name="transfer_feedback"),
    path("transfers/<int:pk>/extension/", transfers.transfer_extension, name="transfer_extension"),
    path(
        "transfers/<int:pk>/extension/<int:extension_id>/decide/",
        transfers.transfer_extension_decide,
        name="transfer_extension_decide",
    ),
    path("transfers/<int:pk>/close/", transfers.transfer_close, name="transfer_close"),
    path("<int:case_id>/transfers/new/", transfers.transfer_create, name="transfer_create"),
    path("<int:case_id>/tasks/", tasks.task_list, name="task_list"),
    path("<int:pk>/transfers/", case_lists.case_transfer_list, name="case_transfer_list"),
    path("<int:pk>/notes/all/", case_lists.case_note_list, name="case_note_list"),
    path("<int:pk>/timeline/", case_lists.case_timeline, name="case_timeline"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/complete/", tasks.task_complete, name="task_complete"),
    path("tasks/<int:pk>/cancel/", tasks.task_cancel, name="task_cancel"),
    path("deadlines/", deadlines.deadline_list, name="deadline_list"),
]

# Collaboration (COLLABORATION): owner and assignees, internal notes.
urlpatterns += [
    path("<int:pk>/assign/", collaboration.case_assign, name="case_assign"),
    path("<int:pk>/notes/", collaboration.case_note, name="case_note"),
]

# The reporter conversation (intake's; the staff page lives with triage).
urlpatterns += [
    path("triage/<int:pk>/question/", conversation.triage_question, name="triage_question"),
]

# Planning and closure (PLAN): the calendar feed address, closure policy.
urlpatterns += [
    path("deadlines/calendar/", deadlines.calendar_feed_issue, name="deadline_calendar_feed"),
    path("closure-policy/", closure.closure_policy, name="closure_policy"),
]

# Evidence where the work is: staff uploads and web captures from the case page.
urlpatterns += [
    path("<int:pk>/evidence/add/", evidence.case_evidence_add, name="case_evidence_add"),
    path("<int:pk>/captures/", evidence.case_captures, name="case_captures"),
    path("<int:pk>/captures/add/", evidence.case_capture_add, name="case_capture_add"),
]

# Pickers (cases by number or text, offices by name) and Ctrl-K quick search.
urlpatterns += [
    path("pick/cases/", pickers.case_picker, name="case_picker"),
    path("pick/offices/", pickers.office_picker, name="office_picker"),
    path("quick/", pickers.quick_search, name="quick_search"),
]

# Decisions reach the registry (DECISIONS): link a target to a registry entry, or create one.
urlpatterns += [
    path(
        "<int:pk>/targets/<int:target_id>/link/",
        targets.case_target_link,
        name="case_target_link",
    ),
    path(
        "<int:pk>/targets/<int:target_id>/create/",
        targets.case_target_create,
        name="case_target_create",
    ),
]
