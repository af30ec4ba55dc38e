"""The trail in the admin: to read and search, never to add, change or delete (superusers included)."""

from django.contrib import admin

from annotations.admin import ReadOnlyAdmin
from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "object_type", "object_id", "project_id", "ip"]
    list_filter = ["action"]
    search_fields = ["username", "action", "object_id"]
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    actions = None
