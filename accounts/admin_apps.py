from django.contrib.admin.apps import AdminConfig


class SamhandlingAdminConfig(AdminConfig):
    """Django's admin, served by the site that requires a second factor (accounts.admin_site)."""

    default_site = "accounts.admin_site.AdminSite"
