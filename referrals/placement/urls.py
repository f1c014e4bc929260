from django.urls import path

from referrals.placement import views

# Pages outside the referral, mounted at the site's root by config/urls.py.
site_urlpatterns = [
    path("behandlingssteder/", views.place_list, name="places"),
    path("behandlingssteder/<int:pk>/kapasitet/", views.capacity_edit, name="place_capacity"),
    path("felles-inntak/", views.joint_intake, name="joint_intake"),
    path(
        "felles-inntak/pasient/<int:patient_id>/", views.joint_intake_add, name="joint_intake_add"
    ),
    path(
        "felles-inntak/pasient/<int:patient_id>/sak/<int:case_id>/",
        views.joint_intake_decide,
        name="joint_intake_decide",
    ),
]
