from django.urls import path

from referrals.placement import views

# Pages outside the referral, mounted at the site's root by config/urls.py.
site_urlpatterns = [
    path("behandlingssteder/", views.place_list, name="places"),
    path("behandlingssteder/<int:pk>/kapasitet/", views.capacity_edit, name="place_capacity"),
]
