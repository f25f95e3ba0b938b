"""API v1 routes of supervision."""

from django.urls import path

from qinglang.supervision import api

P = "supervision/"
urlpatterns = [
    path(f"{P}recruitment/", api.RecruitmentView.as_view(), name="api-supervision-recruitment"),
    path(
        f"{P}applications/",
        api.ApplicationCollectionView.as_view(),
        name="api-supervision-applications",
    ),
    path(
        f"{P}applications/<int:pk>/decide/",
        api.ApplicationDecideView.as_view(),
        name="api-supervision-application-decide",
    ),
    path(
        f"{P}supervisors/<int:pk>/status/",
        api.SupervisorStatusView.as_view(),
        name="api-supervision-supervisor-status",
    ),
    path(
        f"{P}supervisors/<int:pk>/assessments/",
        api.AssessmentView.as_view(),
        name="api-supervision-assessments",
    ),
    path(
        f"{P}training/<int:pk>/acknowledge/",
        api.TrainingAckView.as_view(),
        name="api-supervision-training-ack",
    ),
    path(f"{P}pledges/", api.PledgeView.as_view(), name="api-supervision-pledges"),
    path(
        f"{P}assignments/",
        api.AssignmentCollectionView.as_view(),
        name="api-supervision-assignments",
    ),
    path(f"{P}conflicts/", api.ConflictView.as_view(), name="api-supervision-conflicts"),
    path(
        f"{P}assignments/<int:pk>/duty-log/",
        api.DutyLogView.as_view(),
        name="api-supervision-duty-log",
    ),
    path(
        f"{P}assignments/<int:pk>/site-inspections/",
        api.SiteInspectionView.as_view(),
        name="api-supervision-site-inspections",
    ),
    path(
        f"{P}site-findings/<int:pk>/refer/",
        api.SiteFindingReferView.as_view(),
        name="api-supervision-site-finding-refer",
    ),
    path(
        f"{P}inspections/",
        api.InspectionCollectionView.as_view(),
        name="api-supervision-inspections",
    ),
    path(
        f"{P}inspections/<int:pk>/",
        api.InspectionDetailView.as_view(),
        name="api-supervision-inspection",
    ),
    path(
        f"{P}inspections/<int:pk>/pack/",
        api.InspectionPackView.as_view(),
        name="api-supervision-inspection-pack",
    ),
    path(
        f"{P}inspections/<int:pk>/findings/",
        api.InspectionFindingsView.as_view(),
        name="api-supervision-inspection-findings",
    ),
    path(
        f"{P}inspection-findings/<int:pk>/answer/",
        api.InspectionFindingAnswerView.as_view(),
        name="api-supervision-finding-answer",
    ),
    path(
        f"{P}follow-ups/<int:pk>/complete/",
        api.FollowUpCompleteView.as_view(),
        name="api-supervision-follow-up-complete",
    ),
    path(f"{P}findings/", api.IntegrityFindingListView.as_view(), name="api-supervision-findings"),
    path(
        f"{P}findings/scan/",
        api.IntegrityScanView.as_view(),
        name="api-supervision-findings-scan",
    ),
    path(
        f"{P}findings/<int:pk>/case/",
        api.IntegrityCaseView.as_view(),
        name="api-supervision-finding-case",
    ),
]
