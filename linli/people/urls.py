from __future__ import annotations

from django.urls import path

from linli.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("export/", views.person_export, name="export"),
    path("check-id/", views.check_id, name="check_id"),
    path("family/", views.register_family, name="register_family"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/unmask/", views.person_unmask, name="unmask"),
    path("<int:pk>/confirm/", views.person_confirm, name="confirm"),
    path("<int:pk>/move-in/", views.move_in, name="move_in"),
    path("<int:pk>/move-out/", views.move_out, name="move_out"),
    path("<int:pk>/death/", views.record_death, name="record_death"),
    path("<int:pk>/cancel/", views.cancel_person, name="cancel"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("quality/", views.quality_home, name="quality_home"),
    path("quality/<int:pk>/", views.quality, name="quality"),
]
